/** Typed client for the Backlab HTTP API. */

// Every shape the API answers with comes from the server's contract (server/contract/, types
// inferred from the route schemas): type-only imports, so nothing of the server is bundled.
import type { Catalog, Exercise, Workspace } from "../../server/contract/exercises.ts";
import type { QueuePosition, SubmissionAccepted, Submission } from "../../server/contract/grading.ts";
import type { LearnerProgress, ProgressReport } from "../../server/contract/progress.ts";
import type { Recording } from "../../server/contract/recordings.ts";
import type { PathLimits } from "../../server/contract/workspaces.ts";
import type { AdminApiToken, ApiToken, TokenScope } from "../../server/contract/tokens.ts";
import type { AuditEntry } from "../../server/contract/audit.ts";
import type {
  AccountLimits,
  AdminUser,
  Invite,
  InviteCreated,
  InvitePreview,
  PasswordResetCreated,
  PasswordResetDone,
  Roles,
  SessionItem,
  SignedIn,
  SignupOptions,
} from "../../server/contract/accounts.ts";

export type { AdminUser, Invite, InvitePreview, Role, SessionItem, User } from "../../server/contract/accounts.ts";
export type {
  Area,
  Catalog,
  Exercise,
  ExerciseStatus,
  ExerciseSummary,
  HintState,
  RevealedHint,
  Score,
  SolutionFile,
  Workspace,
} from "../../server/contract/exercises.ts";
export type {
  Category,
  GradingEvent,
  GradingEventOf,
  QueuePosition,
  Results,
  Submission,
  SubmissionStatus,
  TestResult,
  TestStatus,
} from "../../server/contract/grading.ts";
export type { Attempt, ProgressReport, Tally } from "../../server/contract/progress.ts";
export type { Recording } from "../../server/contract/recordings.ts";
export type { AdminApiToken, ApiToken, TokenScope } from "../../server/contract/tokens.ts";
export type { AuditEntry } from "../../server/contract/audit.ts";

/** Every role, as the admin page offers them; the type makes it the server's list exactly. */
export const ROLES: Roles = ["admin", "instructor", "learner", "candidate"];

/**
 * The server's field limits, so an input stops where the server would refuse (maxlength).
 * The contract types are the server's constants: a drift fails the typecheck.
 */
export const LIMITS: { account: AccountLimits; path: PathLimits } = {
  account: { email: 254, displayName: 80, password: 256, passwordMin: 10 },
  path: { chars: 1024, segmentBytes: 255, depth: 32 },
};

/** Error carrying the RFC 9457 problem `detail` (or best available text). */
export class ApiError extends Error {
  readonly status: number;
  /** The problem+json body, for fields beyond `detail` (e.g. the current `etag` of a 412). */
  readonly problem: Record<string, unknown> | undefined;
  constructor(status: number, message: string, problem?: Record<string, unknown>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
}

/**
 * The session's CSRF token: sign-in answers and /api/auth/me carry it, every write sends it
 * back in X-CSRF-Token. Kept in memory only (never in storage a script could read later).
 */
let csrfToken: string | null = null;

/**
 * Fired on window when the server no longer knows this page's session (a 401 "not signed in":
 * signed out elsewhere, disabled, expired). The app then goes to sign-in and back.
 */
export const SESSION_LOST_EVENT = "backlab:session-lost";

export async function request<T>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  retried = false,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        ...(method !== "GET" && csrfToken ? { "X-CSRF-Token": csrfToken } : {}),
        ...headers,
      },
      body: method === "GET" ? undefined : JSON.stringify(body ?? {}),
    });
  } catch {
    throw new ApiError(0, "Could not reach the server. Check your connection and try again.");
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (data && typeof data === "object" && typeof (data as { csrfToken?: unknown }).csrfToken === "string")
    csrfToken = (data as { csrfToken: string }).csrfToken;
  if (!res.ok) {
    const p = (data ?? {}) as Problem;
    // The page outlived its token (signed in again in another tab): fetch the current one, retry once.
    if (res.status === 403 && p.type === "/problems/csrf" && !retried) {
      const me = await fetch("/api/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
      const fresh = me.ok ? ((await me.json()) as { csrfToken?: string }).csrfToken : undefined;
      if (fresh) {
        csrfToken = fresh;
        return request<T>(method, path, body, headers, true);
      }
    }
    if (res.status === 401 && p.type === "/problems/unauthenticated")
      window.dispatchEvent(new Event(SESSION_LOST_EVENT));
    throw new ApiError(
      res.status,
      p.detail || p.title || `Request failed (${res.status} ${res.statusText})`,
      data && typeof data === "object" ? (data as Record<string, unknown>) : undefined,
    );
  }
  return data as T;
}

export const api = {
  me: () => request<SignedIn>("GET", "/api/auth/me"),
  signup: (body: { email: string; displayName: string; password: string; invite?: string }) =>
    request<SignedIn>("POST", "/api/auth/signup", body),
  login: (body: { email: string; password: string }) => request<SignedIn>("POST", "/api/auth/login", body),
  logout: () => request<null>("POST", "/api/auth/logout", {}),
  authOptions: () => request<SignupOptions>("GET", "/api/auth/options"),
  invitePreview: (token: string) => request<{ invite: InvitePreview }>("POST", "/api/auth/invite", { token }),
  /** Starts linking the identity provider to this account: the provider's URL to go to. */
  /** Filters as the query string of GET /api/admin/audit (and of its CSV export). */
  adminAudit: (query: Record<string, string>) =>
    request<{ entries: AuditEntry[]; next: number | null }>("GET", `/api/admin/audit?${new URLSearchParams(query)}`),
  tokens: () => request<{ tokens: ApiToken[]; scopes: TokenScope[] }>("GET", "/api/tokens"),
  createToken: (body: { name: string; scopes: string[]; days: number }) =>
    request<{ token: ApiToken; secret: string }>("POST", "/api/tokens", body),
  adminTokens: (all: boolean) =>
    request<{ tokens: AdminApiToken[] }>("GET", `/api/admin/tokens?all=${all ? "true" : "false"}`),
  revokeToken: (id: number) => request<{ token: ApiToken }>("DELETE", `/api/tokens/${id}`, {}),
  /** Signs out; for a session signed in through the provider, the URL that ends the provider's (404 without SSO). */
  ssoLogout: () => request<{ endSessionUrl: string | null }>("POST", "/api/auth/sso/logout", {}),
  ssoLink: () => request<{ url: string }>("POST", "/api/auth/sso/link", {}),
  firstAdmin: (body: { token: string; email: string; displayName: string; password: string }) =>
    request<SignedIn>("POST", "/api/auth/first-admin", body),
  changePassword: (body: { currentPassword: string; newPassword: string }) =>
    request<SignedIn & { endedSessions: number }>("POST", "/api/auth/password", body),
  sessions: () => request<{ sessions: SessionItem[] }>("GET", "/api/auth/sessions"),
  endSession: (id: string) => request<null>("DELETE", `/api/auth/sessions/${encodeURIComponent(id)}`, {}),
  logoutEverywhere: () => request<{ ended: number }>("POST", "/api/auth/logout-everywhere", {}),
  adminUsers: () => request<{ users: AdminUser[] }>("GET", "/api/admin/users"),
  adminUpdateUser: (id: number, change: { role?: string; disabled?: boolean }) =>
    request<{ user: AdminUser }>("PATCH", `/api/admin/users/${encodeURIComponent(String(id))}`, change),
  adminInvites: () => request<{ invites: Invite[] }>("GET", "/api/admin/invites"),
  adminCreateInvite: (body: { role: string; email?: string; days?: number }) =>
    request<InviteCreated>("POST", "/api/admin/invites", body),
  adminRevokeInvite: (id: number) => request<null>("DELETE", `/api/admin/invites/${id}`, {}),
  adminPasswordReset: (id: number) =>
    request<PasswordResetCreated>("POST", `/api/admin/users/${encodeURIComponent(String(id))}/password-reset`, {}),
  resetPassword: (body: { token: string; password: string }) =>
    request<PasswordResetDone>("POST", "/api/auth/password-reset", body),
  exercises: () => request<Catalog>("GET", "/api/exercises"),
  progress: () => request<ProgressReport>("GET", "/api/progress"),
  /** Instructors and admins: one learner's progress. */
  userProgress: (id: number | string) =>
    request<LearnerProgress>("GET", `/api/users/${encodeURIComponent(id)}/progress`),
  exercise: (id: string) => request<{ exercise: Exercise }>("GET", `/api/exercises/${encodeURIComponent(id)}`),
  openWorkspace: (id: string) =>
    request<{ workspace: Workspace }>("POST", `/api/exercises/${encodeURIComponent(id)}/workspace`, {}),
  /** The same key on a retry makes the lab answer with the submission it already made. */
  submit: (id: string, idempotencyKey: string) =>
    request<{ submission: SubmissionAccepted }>(
      "POST",
      `/api/exercises/${encodeURIComponent(id)}/submissions`,
      {},
      { "Idempotency-Key": idempotencyKey },
    ),
  submissions: (id: string) =>
    request<{ submissions: Submission[] }>("GET", `/api/exercises/${encodeURIComponent(id)}/submissions`),
  submission: (sid: number) =>
    request<{ submission: Submission; queue: QueuePosition | null }>(
      "GET",
      `/api/submissions/${encodeURIComponent(sid)}`,
    ),
  /** Newest first. */
  recordings: (workspaceId: number | string) =>
    request<{ recordings: Recording[] }>("GET", `/api/workspaces/${encodeURIComponent(workspaceId)}/recordings`),
};

/** The asciicast v2 file of a recording (fetched by the player itself). */
export function recordingUrl(id: string | number): string {
  return `/api/recordings/${encodeURIComponent(String(id))}`;
}

/**
 * A fresh Idempotency-Key: 128 random bits in hex. getRandomValues, not randomUUID: a lab
 * served over plain HTTP on a workshop LAN is not a secure context.
 */
export function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
