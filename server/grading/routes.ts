import { z } from "zod";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import { Slug } from "../../graders/exercise/schema.ts";
import type { AccessPolicy, ExerciseUse } from "../access/policy.ts";
import type { User } from "../accounts/schema.ts";
import { owner, route, signedIn, type Route } from "../http/routes.ts";
import type { Workspaces } from "../workspaces/service.ts";
import { streamSubmission } from "./events.ts";
import {
  IdempotencyKey,
  QueuePositionOut,
  SubmissionAccepted,
  SubmissionId,
  SubmissionOut,
  Verification,
} from "./schema.ts";
import type { Grading, Submission } from "./service.ts";

const ByExercise = { params: z.object({ id: Slug }) };
const ById = { params: z.object({ id: SubmissionId }) };

type Deps = { db: Database; catalog: Catalog; workspaces: Workspaces; grading: Grading; policy: AccessPolicy };

/** Submitting a workspace, the caller's submissions, their results, signatures and live progress. */
export function gradingRoutes(deps: Deps): Route[] {
  /** The exercise, if the access policy lets this caller use it this way. */
  const use = (me: User, id: string, how: ExerciseUse) => {
    const e = deps.catalog.exercises.get(id);
    if (!e) throw notFound(`The exercise "${id}"`);
    deps.policy.check(me, e.id, how);
    return e;
  };
  /** A submission as its author may see it (an assessment can hide messages or everything). */
  const shown = (me: User, sub: Submission): Submission => {
    const level = deps.policy.feedback(me, sub.exerciseId);
    if (level === "full" || !sub.result) return sub;
    if (level === "nothing") return { ...sub, result: null };
    return {
      ...sub,
      result: {
        ...sub.result,
        message: null,
        tests: sub.result.tests.map((t) => ({ ...t, message: null, output: null })),
      },
    };
  };
  // Ownership comes from the row; the handlers still ask for the caller's own submission.
  const submissionOwner = (i: { params: { id: number } }) =>
    deps.db.get<{ user_id: number }>("SELECT user_id FROM submissions WHERE id = ?", [i.params.id])?.user_id;

  return [
    route({
      method: "post",
      path: "/exercises/:id/submissions",
      summary: "Submit the workspace for grading (202; retried with the same Idempotency-Key, the same submission)",
      tag: "submissions",
      auth: signedIn,
      input: {
        ...ByExercise,
        body: z.object({}).strict(),
        headers: z.object({ "idempotency-key": IdempotencyKey.optional() }),
      },
      status: 202,
      candidates: true,
      response: z.object({ submission: SubmissionAccepted }),
      handler: ({ input, me, res }) => {
        const ws = deps.workspaces.open(me.id, use(me, input.params.id, "submit"));
        const { submission, replayed } = deps.grading.submitOnce(ws, input.headers["idempotency-key"]);
        if (replayed) res.setHeader("Idempotent-Replayed", "true");
        res.location(`/api/submissions/${submission.id}`);
        return { submission };
      },
    }),
    route({
      method: "get",
      path: "/exercises/:id/submissions",
      scope: "results:read",
      summary: "The caller's submissions for an exercise, newest first",
      tag: "submissions",
      auth: signedIn,
      input: ByExercise,
      candidates: true,
      response: z.object({ submissions: z.array(SubmissionOut) }),
      handler: ({ input, me }) => ({
        submissions: deps.grading.list(me.id, use(me, input.params.id, "view").id).map((s) => shown(me, s)),
      }),
    }),
    route({
      method: "get",
      path: "/submissions/:id",
      scope: "results:read",
      summary: "One submission with its results once graded; while queued, its place in the queue",
      tag: "submissions",
      auth: owner("submission"),
      ownerOf: submissionOwner,
      input: ById,
      candidates: true,
      response: z.object({ submission: SubmissionOut, queue: QueuePositionOut.nullable() }),
      handler: ({ input, me }) => ({
        submission: shown(me, deps.grading.get(input.params.id, me.id)),
        queue: deps.grading.queuePosition(input.params.id),
      }),
    }),
    route({
      method: "get",
      path: "/submissions/:id/verify",
      scope: "results:read",
      summary: "Check the submission's signed results against the lab's key",
      tag: "submissions",
      auth: owner("submission"),
      ownerOf: submissionOwner,
      input: ById,
      response: Verification,
      candidates: true,
      handler: ({ input, me }) => {
        deps.grading.get(input.params.id, me.id);
        return deps.grading.verify(input.params.id);
      },
    }),
    route({
      method: "get",
      path: "/submissions/:id/events",
      summary: "Live grading progress as server-sent events; ends after the final submission",
      tag: "submissions",
      auth: owner("submission"),
      ownerOf: submissionOwner,
      input: ById,
      produces: "text/event-stream",
      candidates: true,
      handler: ({ input, me, req, res }) => {
        const exerciseId = deps.grading.get(input.params.id, me.id).exerciseId;
        streamSubmission(deps.grading, input.params.id, me.id, req, res, {
          shown: (s) => shown(me, s),
          live: deps.policy.feedback(me, exerciseId) === "full",
        });
      },
    }),
  ];
}
