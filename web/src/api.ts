/** Typed client for the Backlab HTTP API. */

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: string;
}

export interface Area {
  id: string;
  title: string;
  /** One line on what the area covers. */
  description: string;
}

export interface Score {
  score: number;
  maxScore: number;
}

export interface ExerciseSummary {
  id: string;
  title: string;
  area: string;
  difficulty: string;
  estimatedMinutes: number;
  summary: string;
  maxScore: number;
  /** The signed-in learner's standing. */
  status: ExerciseStatus;
  best: Score | null;
  attempts: number;
  lastAttemptAt: string | null;
}

/** not_started: never opened; in_progress: opened or submitted; passed: a submission passed every test. */
export type ExerciseStatus = "not_started" | "in_progress" | "passed";

export interface Tally {
  passed: number;
  total: number;
  points: number;
  maxPoints: number;
  attempts: number;
}

/** One graded attempt, for the chart of scores over time. */
export interface Attempt {
  submissionId: number;
  exerciseId: string;
  createdAt: string;
  status: "pass" | "fail";
  score: number;
  maxScore: number;
}

export interface ProgressReport {
  overall: Tally & { inProgress: number };
  areas: (Tally & { id: string; title: string })[];
  exercises: (Pick<ExerciseSummary, "id" | "title" | "area" | "maxScore" | "status" | "best" | "attempts" | "lastAttemptAt">)[];
  /** Oldest first. */
  history: Attempt[];
}

export interface Exercise extends Omit<ExerciseSummary, "best" | "status" | "attempts" | "lastAttemptAt"> {
  readme: string;
}

export type TestStatus = "pass" | "fail" | "error";

export interface TestResult {
  name: string;
  status: TestStatus;
  message: string | null;
  output: string | null;
  task_id: number | null;
  category: "functional" | "security" | "performance" | "quality";
  points: number;
  max_points: number;
  duration_ms: number | null;
}

export interface Results {
  version: 3;
  status: TestStatus;
  message: string | null;
  score: number;
  max_score: number;
  duration_ms: number;
  tests: TestResult[];
  /** Where the grading's time went (graders/results.ts `Timing`); phases may overlap. */
  timing?: { phases: { phase: "queue" | "step" | "copy-in" | "sandbox-create" | "build" | "boot" | "vitest" | "vitest-start" | "test-file" | "sandbox-stop" | "teardown"; label: string | null; step: number | null; start_ms: number; ms: number }[] };
}

export type SubmissionStatus = "queued" | "running" | "done" | "error";

export interface Submission {
  id: string;
  exerciseId?: string;
  status: SubmissionStatus;
  createdAt: string;
  result: Results | null;
}

export interface Workspace {
  id: string;
  exerciseId: string;
}

/** A terminal session's recording (asciicast v2). Times are ISO strings (or epoch ms). */
export interface Recording {
  id: string | number;
  startedAt: string | number;
  endedAt: string | number | null;
  /** Why the session ended (exited, idle, the lab restarted…), when it has. */
  endReason?: string | null;
  bytes: number;
  truncated: boolean;
}

/** One signed-in browser of the account (the account page lists them). */
export interface SessionItem {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  current: boolean;
}

export const ROLES = ["admin", "instructor", "learner", "candidate"] as const;

export interface AdminUser {
  id: number;
  email: string;
  displayName: string;
  role: string;
  createdAt: string;
  disabled: boolean;
  lastSeenAt: string | null;
}

export interface Invite {
  id: number;
  role: string;
  email: string | null;
  createdAt: string;
  expiresAt: string;
}

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

export async function request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, headers: Record<string, string> = {}, retried = false): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...(method !== "GET" && csrfToken ? { "X-CSRF-Token": csrfToken } : {}), ...headers },
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
  if (data && typeof data === "object" && typeof (data as { csrfToken?: unknown }).csrfToken === "string") csrfToken = (data as { csrfToken: string }).csrfToken;
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
    if (res.status === 401 && p.type === "/problems/unauthenticated") window.dispatchEvent(new Event(SESSION_LOST_EVENT));
    throw new ApiError(res.status, p.detail || p.title || `Request failed (${res.status} ${res.statusText})`, data && typeof data === "object" ? (data as Record<string, unknown>) : undefined);
  }
  return data as T;
}

export const api = {
  me: () => request<{ user: User }>("GET", "/api/auth/me"),
  signup: (body: { email: string; displayName: string; password: string; invite?: string }) =>
    request<{ user: User }>("POST", "/api/auth/signup", body),
  login: (body: { email: string; password: string }) => request<{ user: User }>("POST", "/api/auth/login", body),
  logout: () => request<null>("POST", "/api/auth/logout", {}),
  authOptions: () => request<{ signup: "open" | "invite" }>("GET", "/api/auth/options"),
  firstAdmin: (body: { token: string; email: string; displayName: string; password: string }) =>
    request<{ user: User }>("POST", "/api/auth/first-admin", body),
  changePassword: (body: { currentPassword: string; newPassword: string }) =>
    request<{ user: User; endedSessions: number }>("POST", "/api/auth/password", body),
  sessions: () => request<{ sessions: SessionItem[] }>("GET", "/api/auth/sessions"),
  endSession: (id: string) => request<null>("DELETE", `/api/auth/sessions/${encodeURIComponent(id)}`, {}),
  logoutEverywhere: () => request<{ ended: number }>("POST", "/api/auth/logout-everywhere", {}),
  adminUsers: () => request<{ users: AdminUser[] }>("GET", "/api/admin/users"),
  adminUpdateUser: (id: number | string, change: { role?: string; disabled?: boolean }) =>
    request<{ user: AdminUser }>("PATCH", `/api/admin/users/${encodeURIComponent(String(id))}`, change),
  adminInvites: () => request<{ invites: Invite[] }>("GET", "/api/admin/invites"),
  adminCreateInvite: (body: { role: string; email?: string; days?: number }) =>
    request<{ invite: Invite; token: string; path: string; url: string | null }>("POST", "/api/admin/invites", body),
  adminRevokeInvite: (id: number) => request<null>("DELETE", `/api/admin/invites/${id}`, {}),
  exercises: () => request<{ areas: Area[]; exercises: ExerciseSummary[] }>("GET", "/api/exercises"),
  progress: () => request<ProgressReport>("GET", "/api/progress"),
  /** Instructors and admins: one learner's progress. */
  userProgress: (id: string) => request<ProgressReport & { user: User }>("GET", `/api/users/${encodeURIComponent(id)}/progress`),
  exercise: (id: string) => request<{ exercise: Exercise }>("GET", `/api/exercises/${encodeURIComponent(id)}`),
  openWorkspace: (id: string) =>
    request<{ workspace: Workspace }>("POST", `/api/exercises/${encodeURIComponent(id)}/workspace`, {}),
  /** The same key on a retry makes the lab answer with the submission it already made. */
  submit: (id: string, idempotencyKey: string) =>
    request<{ submission: Pick<Submission, "id" | "status"> }>(
      "POST",
      `/api/exercises/${encodeURIComponent(id)}/submissions`,
      {},
      { "Idempotency-Key": idempotencyKey },
    ),
  submissions: (id: string) =>
    request<{ submissions: Submission[] }>("GET", `/api/exercises/${encodeURIComponent(id)}/submissions`),
  submission: (sid: string) => request<{ submission: Submission }>("GET", `/api/submissions/${encodeURIComponent(sid)}`),
  /** Newest first. */
  recordings: (workspaceId: string) =>
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
