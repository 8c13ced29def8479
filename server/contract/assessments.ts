/**
 * What the assessments API answers (server/assessments/), for the web app. Type-only: the
 * zod schemas in server/assessments/ are the source; these mirror their output.
 */

export type Visibility = "nothing" | "test-names" | "full";
export type CandidateStatus = "invited" | "started" | "submitted" | "expired" | "revoked";
export type Decision = "advance" | "hold" | "reject";

export type AssessmentView = {
  id: number;
  title: string;
  exercises: { id: string; runtime: string; title: string }[];
  durationMinutes: number;
  opensAt: string;
  closesAt: string;
  slackMinutes: number;
  visibility: Visibility;
  feedbackSubmissions: number;
  hintsAllowed: boolean;
  rubric: { name: string; description: string }[];
  reviewers: { id: number; displayName: string }[];
  createdBy: number | null;
  createdAt: string;
};

export type InvitedView = { candidateId: number; pseudonym: string; name: string | null; email: string | null; url: string; expiresAt: string };

/** GET /api/candidate/assessment, POST /api/candidate/start and /hand-in. */
export type CandidateState = {
  assessment: {
    title: string;
    durationMinutes: number;
    opensAt: string;
    closesAt: string;
    visibility: Visibility;
    feedbackSubmissions: number;
    hintsAllowed: boolean;
    exercises: { id: string; title: string; maxScore: number; categories: string[]; feedbackLeft: number }[];
  };
  candidate: {
    pseudonym: string;
    status: CandidateStatus;
    startedAt: string | null;
    baseDeadline: string | null;
    deadline: string | null;
    extraMinutes: number;
    timeFactor: number;
    finishedAt: string | null;
    finishReason: string | null;
  };
  serverNow: string;
  remainingMs: number | null;
  graceMs: number;
};

export type TimelineEventIn =
  | { kind: "save"; exerciseId: string; path: string; bytes: number }
  | { kind: "insert"; exerciseId: string; path: string; chars: number }
  | { kind: "paste"; exerciseId: string; path?: string; chars: number }
  | { kind: "blur" }
  | { kind: "focus" };
