import type { Request } from "express";
import { z } from "zod";
import type { Accounts } from "../accounts/service.ts";
import { ownOrigin } from "../http/guards.ts";
import { route, type Route } from "../http/routes.ts";
import type { CandidateRow, Invited } from "./candidates.ts";
import type { Hiring } from "./hiring.ts";
import { reviewerOf } from "./routes.ts";
import {
  ByAssessment,
  ByCandidate,
  CandidateStatus,
  ExtendBody,
  Id,
  InvitesBody,
  InvitesCsvBody,
  PublicLinkBody,
} from "./schema.ts";

const InvitedOut = z.object({
  candidateId: z.number().int(),
  pseudonym: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  url: z.string(),
  expiresAt: z.string(),
});
const InviteStateOut = z.object({
  id: z.number().int(),
  pseudonym: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  status: CandidateStatus,
  invitedAt: z.string(),
  inviteExpiresAt: z.string().nullable(),
  claimed: z.boolean(),
  viaPublicLink: z.boolean(),
  extraMinutes: z.number(),
  timeFactor: z.number(),
  startedAt: z.string().nullable(),
  deadline: z.string().nullable(),
});
const LinkOut = z.object({
  id: z.number().int(),
  claimLimit: z.number().int(),
  claims: z.number().int(),
  expiresAt: z.string(),
  revoked: z.boolean(),
});

/** Where a candidate stands, as reviewers and the candidate's own page name it. */
export function statusOf(c: CandidateRow, now = Date.now()): z.infer<typeof CandidateStatus> {
  if (c.revoked_at) return "revoked";
  if (c.finished_at) return "submitted";
  if (c.started_at) return "started";
  if (!c.claimed_at && c.invite_expires_at && Date.parse(c.invite_expires_at) <= now) return "expired";
  return "invited";
}

export const inviteState = (c: CandidateRow): z.infer<typeof InviteStateOut> => ({
  id: c.id,
  pseudonym: c.pseudonym,
  name: c.name,
  email: c.email,
  status: statusOf(c),
  invitedAt: c.invited_at,
  inviteExpiresAt: c.invite_expires_at,
  claimed: c.claimed_at !== null,
  viaPublicLink: c.link_id !== null,
  extraMinutes: c.extra_minutes,
  timeFactor: c.time_factor,
  startedAt: c.started_at,
  deadline: c.deadline_at,
});

type Deps = { hiring: Hiring; accounts: Accounts; publicUrl: string | undefined };

/** Inviting candidates: one by one, in bulk (JSON or CSV), resend, revoke, public links, extra time. */
export function inviteRoutes(deps: Deps): Route[] {
  const { hiring } = deps;
  const auth = reviewerOf();
  const member = (i: { params: { id: number } }) => hiring.assessments.reviewerIds(i.params.id);
  const linkOf = (req: Request, token: string) => `${ownOrigin(req, deps.publicUrl)}/take/${token}`;
  const out = (req: Request, x: Invited) => ({
    candidateId: x.candidateId,
    pseudonym: x.pseudonym,
    name: x.name,
    email: x.email,
    url: linkOf(req, x.token),
    expiresAt: x.expiresAt,
  });

  return [
    route({
      method: "get",
      path: "/assessments/:id/invites",
      summary:
        "Every candidate's invite: status, link expiry, extra time; names and emails (each view is audited), and the public links",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: ByAssessment,
      response: z.object({ candidates: z.array(InviteStateOut), links: z.array(LinkOut) }),
      handler: ({ input, me }) => {
        const rows = hiring.candidates.list(input.params.id);
        if (rows.some((c) => c.name || c.email))
          hiring.assessments.audit(input.params.id, null, me.id, "names-viewed", "invite list");
        return { candidates: rows.map(inviteState), links: hiring.candidates.links(input.params.id) };
      },
    }),
    route({
      method: "post",
      path: "/assessments/:id/invites",
      scope: "invites:write",
      summary:
        "Invite candidates (name and email optional; a pseudonymous id by default); all or nothing, each with a single-use link",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByAssessment, body: InvitesBody },
      status: 201,
      response: z.object({ invited: z.array(InvitedOut) }),
      handler: ({ input, me, req }) => ({
        invited: hiring.candidates.invite(input.params.id, input.body.candidates, me).map((x) => out(req, x)),
      }),
    }),
    route({
      method: "post",
      path: "/assessments/:id/invites/csv",
      summary:
        "Invite candidates from CSV (header: name and/or email, optionally days); one broken row and nothing is created (422 lists every broken row)",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByAssessment, body: InvitesCsvBody },
      status: 201,
      response: z.object({ invited: z.array(InvitedOut) }),
      handler: ({ input, me, req }) => ({
        invited: hiring.candidates
          .inviteCsv(input.params.id, input.body.csv, input.body.days, me)
          .map((x) => out(req, x)),
      }),
    }),
    route({
      method: "post",
      path: "/assessments/:id/candidates/:candidateId/resend",
      summary: "A fresh single-use link for the candidate (the previous link stops working)",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByCandidate, body: z.object({ days: z.number().int().min(1).max(90).default(7) }).strict() },
      response: z.object({ invited: InvitedOut }),
      handler: ({ input, me, req }) => ({
        invited: out(req, hiring.candidates.resend(input.params.id, input.params.candidateId, input.body.days, me)),
      }),
    }),
    route({
      method: "delete",
      path: "/assessments/:id/candidates/:candidateId",
      summary: "Revoke the candidate's invite: the link stops working and their sessions end",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: ByCandidate,
      response: z.object({ candidate: InviteStateOut }),
      handler: ({ input, me }) => {
        const c = hiring.candidates.revoke(input.params.id, input.params.candidateId, me);
        if (c.user_id !== null) deps.accounts.revokeAll(c.user_id);
        return { candidate: inviteState(c) };
      },
    }),
    route({
      method: "post",
      path: "/assessments/:id/candidates/:candidateId/time",
      summary:
        "Give the candidate extra time (minutes and/or a factor), also while they work; the deadline moves at once",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByCandidate, body: ExtendBody },
      response: z.object({ candidate: InviteStateOut }),
      handler: ({ input, me }) => ({
        candidate: inviteState(hiring.clock.extend(input.params.id, input.params.candidateId, input.body, me)),
      }),
    }),
    route({
      method: "post",
      path: "/assessments/:id/links",
      summary: "A public link anyone may claim a candidate place with, up to its claim limit",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByAssessment, body: PublicLinkBody },
      status: 201,
      response: z.object({ link: LinkOut.extend({ url: z.string() }) }),
      handler: ({ input, me, req }) => {
        const l = hiring.candidates.publicLink(input.params.id, input.body.claimLimit, input.body.days, me);
        return {
          link: {
            id: l.id,
            claimLimit: l.claimLimit,
            claims: 0,
            expiresAt: l.expiresAt,
            revoked: false,
            url: linkOf(req, l.token),
          },
        };
      },
    }),
    route({
      method: "delete",
      path: "/assessments/:id/links/:linkId",
      summary: "Revoke a public link (places already claimed stay)",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { params: z.object({ id: Id, linkId: Id }) },
      handler: ({ input, me }) => {
        hiring.candidates.revokeLink(input.params.id, input.params.linkId, me);
      },
    }),
  ];
}
