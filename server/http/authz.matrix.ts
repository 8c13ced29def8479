import fs from "node:fs";
import path from "node:path";
import type { Role } from "../accounts/schema.ts";
import { ROOT_DIR } from "../config.ts";
import { etagOf } from "../workspaces/workspace-files.ts";

/**
 * How the authorization matrix calls each route of the table (server/routes.ts). The test
 * derives what it expects from the route's rule; this file only says how to make a valid
 * call on behalf of a resource's owner. A route without an entry here fails the suite.
 */

/** The starter's package.json: saving it unchanged (with its ETag) is a write that repeats. */
const starterPackage = fs.readFileSync(
  path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket", "starter", "package.json"),
);
const STARTER_PACKAGE = { content: starterPackage.toString("utf8"), etag: etagOf(starterPackage) };

/** The scrape token the matrix's lab is started with (GET /metrics wants it, whoever calls). */
export const METRICS_TOKEN = "authorization-matrix-metrics-token-0123456789";

/** One user's things, made through the API before the matrix runs. */
export type Fixtures = {
  userId: number;
  role: Role;
  email: string;
  password: string;
  exercise: string;
  workspace: number;
  submission: number;
  recording: string;
  /** A cohort this user runs and is a member of (track: the fixture exercise, unlocked). */
  cohort: number;
  joinCode: string;
  /** The user's raised hand in that cohort. */
  hand: number;
  /** An assessment the user reviews (created by them), or for a candidate the one they take. */
  assessment: number;
};

export type CallContext = {
  /** The caller's role, or null when anonymous. */
  actor: Role | null;
  /** Whether the fixtures are the caller's own. */
  own: boolean;
  /** A fresh unique token for emails and names. */
  unique: string;
  /** The caller's own fixtures (routes about "me" need the caller's password, not the owner's). */
  caller: Fixtures | undefined;
  /** Makes things a call uses up: another session of the fixtures' owner, an invite, a first-admin link token. */
  make: {
    session(userId: number): string;
    invite(): number;
    firstAdminToken(): string;
    /** A snapshot of the fixtures' workspace (row and files). */
    snapshot(f: Fixtures): number;
    /** The token of a password reset link for a fresh account. */
    passwordResetToken(): string;
    /**
     * A webhook endpoint (never sent anything: no matrix cohort has its URL's receiver): the
     * fixture's own when they are an instructor, else an admin's (nobody's).
     */
    webhook(f?: Fixtures): number;
    /** A failed delivery of such an endpoint, ready to be sent again. */
    delivery(f?: Fixtures): number;
    /** An invited (unclaimed) candidate of the assessment. */
    candidate(assessmentId: number): number;
    /** A candidate of the assessment who has handed in (decisions need one). */
    finishedCandidate(assessmentId: number): number;
    /** A public link of the assessment. */
    link(assessmentId: number): number;
    /** The token of a fresh, unused invite link. */
    claimToken(): string;
    /** The token of a fresh, unused account invite (an admin's invite link). */
    inviteToken(): string;
    /** A fresh candidate account, started on an assessment of its own (for calls that end it). */
    startedCandidate(): number;
    takeover(f: Fixtures): number;
    /** An API token of the user (its secret unknown: made to be revoked). */
    token(userId: number): number;
  };
};

export type Call = {
  params?: Record<string, string | number>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Call as this user (same role as the caller) instead of the caller's own fixtures' owner. */
  as?: number;
  /** Statuses that mean "let through" for this call (default: any 2xx; upgrades: 101). */
  allowed?: number[];
};

export const CALLS: Record<string, (f: Fixtures, ctx: CallContext) => Call> = {
  "GET /auth/options": () => ({}),
  // Single sign-on (the matrix's lab has a test provider): start redirects to it; a callback
  // without an attempt redirects to the sign-in page saying so; link answers the provider's URL.
  "GET /auth/sso/start": () => ({ query: { next: "/progress" }, allowed: [302] }),
  "GET /auth/sso/callback": () => ({ query: { code: "matrix", state: "matrix" }, allowed: [302] }),
  "POST /auth/sso/link": () => ({ body: {} }),
  "POST /auth/sso/logout": () => ({ body: {} }),
  "POST /auth/first-admin": (_f, ctx) => ({
    body: {
      token: ctx.make.firstAdminToken(),
      email: `a-${ctx.unique}@example.test`,
      displayName: "Admin",
      password: "matrix password 1",
    },
  }),
  // Same password in and out: the caller can keep calling.
  "POST /auth/password": (_f, ctx) => ({
    body: {
      currentPassword: ctx.caller?.password ?? "matrix password 1",
      newPassword: ctx.caller?.password ?? "matrix password 1",
    },
  }),
  "POST /auth/logout-everywhere": () => ({ body: {} }),
  "GET /auth/sessions": () => ({}),
  "DELETE /auth/sessions/:id": (f, ctx) => ({ params: { id: ctx.make.session(f.userId) } }),
  "GET /admin/users": () => ({}),
  // The owner's current role: an admin may "change" it, even their own, without demoting anyone.
  "PATCH /admin/users/:id": (f) => ({ params: { id: f.userId }, body: { role: f.role } }),
  "POST /admin/users/:id/password-reset": (f) => ({ params: { id: f.userId }, body: {} }),
  "POST /auth/password-reset": (_f, ctx) => ({
    body: { token: ctx.make.passwordResetToken(), password: "matrix password 1" },
  }),
  "GET /admin/invites": () => ({}),
  "POST /admin/invites": () => ({ body: { role: "learner" } }),
  "DELETE /admin/invites/:id": (_f, ctx) => ({ params: { id: ctx.make.invite() } }),
  "GET /admin/audit": () => ({ query: { action: "invite", limit: "5" } }),
  "GET /admin/audit/export": () => ({ query: { format: "csv", action: "invite" } }),
  "GET /tokens": () => ({}),
  "POST /tokens": () => ({ body: { name: "matrix", scopes: ["exercises:read"], days: 1 } }),
  "GET /admin/tokens": () => ({ query: { all: "true" } }),
  "DELETE /tokens/:id": (f, ctx) => ({ params: { id: ctx.make.token(f.userId) } }),
  "GET /health": () => ({}),
  "GET /webhooks": () => ({}),
  // Loopback's discard port: the matrix's lab allows loopback receivers; nothing is sent unless tested.
  "POST /webhooks": () => ({ body: { url: "http://127.0.0.1:9/matrix", events: ["cohort.member.joined"] } }),
  "PATCH /webhooks/:id": (f, ctx) => ({ params: { id: ctx.make.webhook(f) }, body: { description: "matrix" } }),
  "DELETE /webhooks/:id": (f, ctx) => ({ params: { id: ctx.make.webhook(f) } }),
  "POST /webhooks/:id/rotate": (f, ctx) => ({ params: { id: ctx.make.webhook(f) }, body: {} }),
  "POST /webhooks/:id/test": (f, ctx) => ({ params: { id: ctx.make.webhook(f) }, body: {} }),
  "GET /webhooks/:id/deliveries": (f, ctx) => ({ params: { id: ctx.make.webhook(f) } }),
  "POST /webhooks/deliveries/:id/resend": (f, ctx) => ({ params: { id: ctx.make.delivery(f) }, body: {} }),
  "GET /metrics": () => ({ headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
  "GET /openapi.json": () => ({}),
  "POST /auth/signup": (_f, ctx) => ({
    body: { email: `m-${ctx.unique}@example.test`, displayName: "Matrix", password: "matrix password 1" },
  }),
  "POST /auth/invite": (_f, ctx) => ({ body: { token: ctx.make.inviteToken() } }),
  "POST /auth/login": (f) => ({ body: { email: f.email, password: f.password } }),
  "POST /auth/logout": () => ({ body: {} }),
  "GET /auth/me": () => ({}),
  "GET /exercises": () => ({}),
  "GET /exercises/:id": (f) => ({ params: { id: f.exercise } }),
  "POST /exercises/:id/workspace": (f) => ({ params: { id: f.exercise }, body: {} }),
  "POST /exercises/:id/submissions": (f) => ({ params: { id: f.exercise }, body: {} }),
  "GET /exercises/:id/submissions": (f) => ({ params: { id: f.exercise } }),
  "GET /submissions/:id": (f) => ({ params: { id: f.submission } }),
  "GET /submissions/:id/verify": (f) => ({ params: { id: f.submission } }),
  // The stream ends by itself once the submission is graded; the matrix reads only the status.
  "GET /submissions/:id/events": (f) => ({ params: { id: f.submission } }),
  // Stays open; the matrix reads only the status.
  "GET /workspaces/:id/events": (f) => ({ params: { id: f.workspace } }),
  "GET /progress": () => ({}),
  "GET /users/:id/progress": (f) => ({ params: { id: f.userId } }),
  // Owners attach; staff may only observe (a live session: 101; none: 409).
  "GET /workspaces/:id/terminal": (f, ctx) =>
    ctx.own
      ? { params: { id: f.workspace } }
      : { params: { id: f.workspace }, query: { mode: "observe" }, allowed: [101, 409] },
  "GET /workspaces/:id/recordings": (f) => ({ params: { id: f.workspace } }),
  "GET /recordings/:id": (f) => ({ params: { id: f.recording } }),
  // Hints: revealing the first one again returns it unchanged, so the call repeats safely.
  "GET /exercises/:id/hints": (f) => ({ params: { id: f.exercise } }),
  "POST /exercises/:id/hints": (f) => ({ params: { id: f.exercise }, body: { index: 0 } }),
  // Past the rule, the solution itself stays locked (403 solution-locked) until a submission
  // passes; the fixtures' submissions do not (the sandbox is a double). help.int.test.ts
  // checks both sides of the lock.
  "GET /exercises/:id/solution": (f) => ({ params: { id: f.exercise }, allowed: [200, 403] }),
  // The file API, in table order: each (actor, own) pair calls each route once, so the file
  // one call creates is the one the next moves and the one after deletes.
  "GET /workspaces/:id/files": (f) => ({ params: { id: f.workspace } }),
  "GET /workspaces/:id/files/content": (f) => ({ params: { id: f.workspace }, query: { path: "package.json" } }),
  "PUT /workspaces/:id/files/content": (f) => ({
    params: { id: f.workspace },
    query: { path: "package.json" },
    headers: { "if-match": STARTER_PACKAGE.etag },
    body: { content: STARTER_PACKAGE.content },
  }),
  "POST /workspaces/:id/files": (f, ctx) => ({
    params: { id: f.workspace },
    body: { type: "file", path: `matrix/created-by-${ctx.actor}.txt`, content: "hello" },
  }),
  "POST /workspaces/:id/files/move": (f, ctx) => ({
    params: { id: f.workspace },
    body: { from: `matrix/created-by-${ctx.actor}.txt`, to: `matrix/moved-by-${ctx.actor}.txt` },
  }),
  "DELETE /workspaces/:id/files": (f, ctx) => ({
    params: { id: f.workspace },
    query: { path: `matrix/moved-by-${ctx.actor}.txt` },
  }),
  // After the file API: a reset puts the starter back (the file routes above are done with theirs).
  "POST /workspaces/:id/reset": (f) => ({ params: { id: f.workspace }, body: { confirm: "reset" } }),
  "GET /workspaces/:id/snapshots": (f) => ({ params: { id: f.workspace } }),
  "POST /workspaces/:id/snapshots/:snapshot/restore": (f, ctx) => ({
    params: { id: f.workspace, snapshot: ctx.make.snapshot(f) },
    body: {},
  }),
  "GET /workspaces/:id/snapshots/:snapshot/archive": (f, ctx) => ({
    params: { id: f.workspace, snapshot: ctx.make.snapshot(f) },
  }),
  // Cohorts: the fixture's cohort is run by its owner (whatever the role: the rule is what is
  // under test), who is also its member.
  "GET /cohorts": () => ({}),
  "POST /cohorts": (f, ctx) => ({ body: { name: `Matrix ${ctx.unique}`, track: [f.exercise], seats: 5 } }),
  "GET /cohorts/:id": (f) => ({ params: { id: f.cohort } }),
  "PATCH /cohorts/:id": (f) => ({ params: { id: f.cohort }, body: { description: "changed by the matrix" } }),
  "POST /cohorts/:id/pacing": (f) => ({ params: { id: f.cohort }, body: { exercises: "all", action: "unlock" } }),
  "POST /cohorts/:id/invites": (f, ctx) => ({
    params: { id: f.cohort },
    body: { emails: [`i-${ctx.unique}@example.test`] },
  }),
  // The caller's own cohort: joining another's would make the caller a member of it.
  "POST /cohort-joins": (_f, ctx) => ({ body: { code: ctx.caller?.joinCode ?? "ABCDEFGH" } }),
  "GET /cohorts/:id/room": (f) => ({ params: { id: f.cohort } }),
  "GET /cohorts/:id/room/events": (f) => ({ params: { id: f.cohort } }),
  "GET /cohorts/:id/members/:userId/exercises/:exerciseId": (f) => ({
    params: { id: f.cohort, userId: f.userId, exerciseId: f.exercise },
  }),
  "GET /cohorts/:id/members/:userId/exercises/:exerciseId/file": (f) => ({
    params: { id: f.cohort, userId: f.userId, exerciseId: f.exercise },
    query: { path: "package.json" },
  }),
  "POST /cohorts/:id/hands/:handId": (f) => ({
    params: { id: f.cohort, handId: f.hand },
    body: { action: "acknowledge" },
  }),
  "POST /cohorts/:id/broadcasts": (f) => ({ params: { id: f.cohort }, body: { text: "Matrix says hello" } }),
  // One pending take-over per terminal: a second request is a 409 past the rule.
  "POST /cohorts/:id/takeovers": (f) => ({
    params: { id: f.cohort },
    body: { userId: f.userId, exerciseId: f.exercise },
    allowed: [201, 409],
  }),
  "POST /cohorts/:id/takeovers/:takeoverId/end": (f, ctx) => ({
    params: { id: f.cohort, takeoverId: ctx.make.takeover(f) },
    body: {},
  }),
  "GET /cohorts/:id/audit": (f) => ({ params: { id: f.cohort } }),
  "GET /cohorts/:id/export": (f) => ({ params: { id: f.cohort }, query: { format: "csv" } }),
  "GET /me/cohorts": () => ({}),
  "GET /cohorts/:id/me": (f) => ({ params: { id: f.cohort } }),
  "GET /cohorts/:id/events": (f) => ({ params: { id: f.cohort } }),
  "GET /cohorts/:id/leaderboard": (f) => ({ params: { id: f.cohort } }),
  "POST /cohorts/:id/hand": (f) => ({ params: { id: f.cohort }, body: { message: "stuck on the matrix" } }),
  "DELETE /cohorts/:id/hand": (f) => ({ params: { id: f.cohort } }),
  "PATCH /cohorts/:id/takeovers/:takeoverId": (f, ctx) => ({
    params: { id: f.cohort, takeoverId: ctx.make.takeover(f) },
    body: { action: "accept" },
  }),
  "GET /assessments": () => ({}),
  "POST /assessments": () => ({ body: ASSESSMENT }),
  "GET /assessments/:id": (f) => ({ params: { id: f.assessment } }),
  "PATCH /assessments/:id": (f) => ({ params: { id: f.assessment }, body: { title: "Matrix take-home" } }),
  "GET /assessments/:id/audit": (f) => ({ params: { id: f.assessment } }),
  "GET /assessments/:id/invites": (f) => ({ params: { id: f.assessment } }),
  "POST /assessments/:id/invites": (f) => ({ params: { id: f.assessment }, body: { candidates: [{}] } }),
  "POST /assessments/:id/invites/csv": (f) => ({ params: { id: f.assessment }, body: { csv: "name,email\nAda,\n" } }),
  "POST /assessments/:id/candidates/:candidateId/resend": (f, ctx) => ({
    params: { id: f.assessment, candidateId: ctx.make.candidate(f.assessment) },
    body: {},
  }),
  "DELETE /assessments/:id/candidates/:candidateId": (f, ctx) => ({
    params: { id: f.assessment, candidateId: ctx.make.candidate(f.assessment) },
  }),
  "POST /assessments/:id/candidates/:candidateId/time": (f, ctx) => ({
    params: { id: f.assessment, candidateId: ctx.make.candidate(f.assessment) },
    body: { extraMinutes: 10 },
  }),
  "POST /assessments/:id/links": (f) => ({ params: { id: f.assessment }, body: { claimLimit: 3 } }),
  "DELETE /assessments/:id/links/:linkId": (f, ctx) => ({
    params: { id: f.assessment, linkId: ctx.make.link(f.assessment) },
  }),
  "GET /assessments/:id/candidates": (f) => ({ params: { id: f.assessment }, query: { sort: "score", order: "desc" } }),
  "GET /assessments/:id/export": (f) => ({ params: { id: f.assessment }, query: { format: "csv" } }),
  "GET /assessments/:id/candidates/:candidateId": (f, ctx) => ({
    params: { id: f.assessment, candidateId: ctx.make.candidate(f.assessment) },
  }),
  "GET /assessments/:id/similarity": (f) => ({ params: { id: f.assessment } }),
  "PUT /assessments/:id/candidates/:candidateId/rubric": (f, ctx) => ({
    params: { id: f.assessment, candidateId: ctx.make.candidate(f.assessment) },
    body: { scores: [{ criterion: 0, score: 4, note: "matrix" }] },
  }),
  "PUT /assessments/:id/candidates/:candidateId/decision": (f, ctx) => ({
    params: { id: f.assessment, candidateId: ctx.make.finishedCandidate(f.assessment) },
    body: { decision: "hold", comment: "matrix" },
  }),
  "POST /assessments/record/verify": () => ({ body: { body: "{}", signature: "0".repeat(64) } }),
  "POST /assessment-invites/claim": (_f, ctx) => ({ body: { token: ctx.make.claimToken() } }),
  "GET /candidate/assessment": () => ({}),
  "POST /candidate/start": () => ({ body: {} }),
  // Handing in ends the candidate's assessment: a throwaway candidate does it, the fixtures stay writable.
  "POST /candidate/hand-in": (_f, ctx) =>
    ctx.actor === "candidate" ? { as: ctx.make.startedCandidate(), body: {} } : { body: {} },
  "POST /candidate/events": (f) => ({
    body: { events: [{ kind: "blur" }, { kind: "paste", exerciseId: f.exercise, path: "src/x.ts", chars: 120 }] },
  }),
};

/** An assessment open now, on the matrix's exercise: generous limits so repeated calls pass. */
export const ASSESSMENT = {
  title: "Matrix take-home",
  exercises: [{ id: "token-bucket" }],
  durationMinutes: 120,
  opensAt: new Date(Date.now() - 3_600_000).toISOString(),
  closesAt: new Date(Date.now() + 86_400_000).toISOString(),
  visibility: "full",
  feedbackSubmissions: 100,
  hintsAllowed: true,
  rubric: [{ name: "Design", description: "Clear boundaries" }],
};
