import { z } from "zod";
import { owner, roles, route, type Route } from "../http/routes.ts";
import { AssessmentBody, AssessmentOut, AssessmentPatch, ByAssessment } from "./schema.ts";
import type { Assessments } from "./service.ts";

const REVIEWER_ROLES = ["admin", "instructor"] as const;
/** Reviewers of this assessment (instructors it names, its creator) and every admin. */
export const reviewerOf = (resource: "assessment" = "assessment") =>
  owner(resource, { staff: ["admin"], roles: [...REVIEWER_ROLES] });

const AuditOut = z.object({
  at: z.string(),
  actor: z.string().nullable(),
  action: z.string(),
  candidateId: z.number().int().nullable(),
  detail: z.string().nullable(),
});

/** Defining assessments: admins and instructors; each one's reviewers (and admins) only. */
export function assessmentRoutes(assessments: Assessments): Route[] {
  const member = (i: { params: { id: number } }) => assessments.reviewerIds(i.params.id);
  return [
    route({
      method: "get",
      path: "/assessments",
      scope: "assessments:read",
      summary: "The assessments the caller reviews (every one for an admin), newest first",
      tag: "assessments",
      auth: roles(...REVIEWER_ROLES),
      response: z.object({ assessments: z.array(AssessmentOut) }),
      handler: ({ me }) => ({ assessments: assessments.listFor(me) }),
    }),
    route({
      method: "post",
      path: "/assessments",
      summary: "Create an assessment: exercises, duration, window, what candidates see, hints, rubric, reviewers",
      tag: "assessments",
      auth: roles(...REVIEWER_ROLES),
      input: { body: AssessmentBody },
      status: 201,
      response: z.object({ assessment: AssessmentOut }),
      handler: ({ input, me, res }) => {
        const assessment = assessments.create(input.body, me);
        res.location(`/api/assessments/${assessment.id}`);
        return { assessment };
      },
    }),
    route({
      method: "get",
      path: "/assessments/:id",
      scope: "assessments:read",
      summary: "One assessment",
      tag: "assessments",
      auth: reviewerOf(),
      ownerOf: member,
      input: ByAssessment,
      response: z.object({ assessment: AssessmentOut }),
      handler: ({ input }) => ({ assessment: assessments.get(input.params.id) }),
    }),
    route({
      method: "patch",
      path: "/assessments/:id",
      summary:
        "Change an assessment (any subset of its fields); a candidate already working keeps the deadline they were given until an extension",
      tag: "assessments",
      auth: reviewerOf(),
      ownerOf: member,
      input: { ...ByAssessment, body: AssessmentPatch },
      response: z.object({ assessment: AssessmentOut }),
      handler: ({ input, me }) => ({ assessment: assessments.update(input.params.id, input.body, me) }),
    }),
    route({
      method: "get",
      path: "/assessments/:id/audit",
      summary: "The assessment's audit log: every change and every view of a candidate's name",
      tag: "assessments",
      auth: reviewerOf(),
      ownerOf: member,
      input: ByAssessment,
      response: z.object({ entries: z.array(AuditOut) }),
      handler: ({ input }) => ({ entries: assessments.auditLog(input.params.id) }),
    }),
  ];
}
