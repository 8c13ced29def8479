import { request } from "../api.ts";
import type {
  CohortDetail,
  CohortSummary,
  Hand,
  LeaderboardRow,
  MemberView,
  Room,
  Takeover,
  TrackItem,
} from "../../../server/contract/cohorts.ts";

export type * from "../../../server/contract/cohorts.ts";

const c = (id: number | string) => `/api/cohorts/${encodeURIComponent(String(id))}`;

export type NewCohort = {
  name: string;
  description?: string;
  track: string[];
  seats: number;
  startsAt?: string | null;
  endsAt?: string | null;
  hints?: boolean;
  solution?: string;
  leaderboard?: string;
  coInstructors?: string[];
};

/**
 * Fired when the signed-in user's memberships change (a join): what shows on every page (the
 * live bar) reads them again — it was mounted at sign-in, possibly before the join landed.
 */
export const memberships = new EventTarget();

export const cohortsApi = {
  list: () => request<{ cohorts: CohortSummary[] }>("GET", "/api/cohorts"),
  create: (body: NewCohort) => request<{ cohort: CohortDetail }>("POST", "/api/cohorts", body),
  detail: (id: number) => request<{ cohort: CohortDetail }>("GET", c(id)),
  update: (id: number, body: Record<string, unknown>) => request<{ cohort: CohortDetail }>("PATCH", c(id), body),
  pace: (id: number, exercises: "all" | string[], action: "unlock" | "lock" | "schedule", at?: string) =>
    request<{ track: TrackItem[] }>("POST", `${c(id)}/pacing`, { exercises, action, ...(at ? { at } : {}) }),
  invite: (id: number, emails: string[]) =>
    request<{ invites: { email: string; url: string }[] }>("POST", `${c(id)}/invites`, { emails }),
  room: (id: number) => request<Room>("GET", `${c(id)}/room`),
  cell: (id: number, userId: number, exerciseId: string) =>
    request<{
      workspaceId: number;
      submissions: {
        id: number;
        status: string;
        createdAt: string;
        result: {
          status: string;
          score: number;
          max_score: number;
          tests: { name: string; status: string; message: string | null }[];
        } | null;
      }[];
      files: { path: string; type: string; size: number }[];
    }>("GET", `${c(id)}/members/${userId}/exercises/${encodeURIComponent(exerciseId)}`),
  file: (id: number, userId: number, exerciseId: string, path: string) =>
    request<{ file: { path: string; content: string } }>(
      "GET",
      `${c(id)}/members/${userId}/exercises/${encodeURIComponent(exerciseId)}/file?path=${encodeURIComponent(path)}`,
    ),
  actOnHand: (id: number, handId: number, action: "acknowledge" | "resolve") =>
    request<{ hand: Hand }>("POST", `${c(id)}/hands/${handId}`, { action }),
  broadcast: (id: number, text: string) => request<{ broadcast: unknown }>("POST", `${c(id)}/broadcasts`, { text }),
  requestTakeover: (id: number, userId: number, exerciseId: string) =>
    request<{ takeover: Takeover }>("POST", `${c(id)}/takeovers`, { userId, exerciseId }),
  endTakeover: (id: number, takeoverId: number) =>
    request<{ takeover: Takeover }>("POST", `${c(id)}/takeovers/${takeoverId}/end`, {}),
  exportUrl: (id: number, format: "csv" | "gradebook" | "json") => `${c(id)}/export?format=${format}`,
  // The member's side.
  mine: () => request<{ cohorts: CohortSummary[] }>("GET", "/api/me/cohorts"),
  join: (code: string) => request<{ cohort: CohortSummary }>("POST", "/api/cohort-joins", { code }),
  me: (id: number) => request<MemberView>("GET", `${c(id)}/me`),
  leaderboard: (id: number) => request<{ rows: LeaderboardRow[] }>("GET", `${c(id)}/leaderboard`),
  raiseHand: (id: number, message: string, exerciseId?: string) =>
    request<{ hand: Hand }>("POST", `${c(id)}/hand`, { message, ...(exerciseId ? { exerciseId } : {}) }),
  lowerHand: (id: number) => request<null>("DELETE", `${c(id)}/hand`, {}),
  answerTakeover: (id: number, takeoverId: number, action: "accept" | "decline" | "end") =>
    request<{ takeover: Takeover }>("PATCH", `${c(id)}/takeovers/${takeoverId}`, { action }),
  eventsUrl: (id: number) => `${c(id)}/events`,
  roomEventsUrl: (id: number) => `${c(id)}/room/events`,
};
