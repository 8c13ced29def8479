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

export type InvitedView = {
  candidateId: number;
  pseudonym: string;
  name: string | null;
  email: string | null;
  url: string;
  expiresAt: string;
};

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
  | { kind: "save"; exerciseId: string; path: string; bytes?: number }
  | { kind: "insert"; exerciseId: string; path: string; chars: number }
  | { kind: "paste"; exerciseId: string; path?: string; chars: number }
  | { kind: "blur" }
  | { kind: "focus" };

export type CategoryScores = Record<string, { score: number; max: number }>;

/** GET /api/assessments/:id/candidates: a row of the board. */
export type BoardRow = {
  id: number;
  pseudonym: string;
  name: string | null;
  status: CandidateStatus;
  startedAt: string | null;
  timeUsedMs: number | null;
  score: number | null;
  maxScore: number | null;
  categories: CategoryScores;
  flags: string[];
  rubricAverage: number | null;
  decision: Decision | null;
};

export type ReviewTest = {
  name: string;
  status: "pass" | "fail" | "error";
  message: string | null;
  category: string;
  points: number;
  max_points: number;
};

/** GET /api/assessments/:id/candidates/:candidateId */
export type CandidateDetail = {
  candidate: BoardRow & {
    email: string | null;
    deadline: string | null;
    finishedAt: string | null;
    finishReason: string | null;
    extraMinutes: number;
    timeFactor: number;
    decisionComment: string | null;
    decidedAt: string | null;
  };
  criteria: { name: string; description: string }[];
  finals: {
    exerciseId: string;
    submissionId: number;
    snapshotHash: string;
    status: string;
    result: { status: string; score: number; max_score: number; message: string | null; tests: ReviewTest[] } | null;
    files: { path: string; change: "added" | "modified" | "deleted"; starter: string | null; final: string | null }[];
  }[];
  timeline: { at: string; kind: string; exerciseId: string | null; detail: Record<string, unknown> }[];
  recordings: { id: string; startedAt: string; endedAt: string | null }[];
  rubric: { reviewer: string; reviewerId: number; criterion: number; score: number; note: string | null; at: string }[];
  record: { body: string; signature: string } | null;
};

export type SimilarityPair = {
  exerciseId: string;
  left: string;
  right: string;
  similarity: number;
  longest: number;
  flagged: boolean;
  fragments: {
    left: { startRow: number; endRow: number; text: string };
    right: { startRow: number; endRow: number; text: string };
  }[];
};
