/**
 * What the cohort routes answer (server/cohorts/), for the web app. Type-only: the routes'
 * zod schemas check the same shapes at run time.
 */

export type SolutionMode = "never" | "after_pass" | "after_end";
export type LeaderboardMode = "off" | "names" | "pseudonyms";

export type TrackItem = {
  exerciseId: string;
  title: string;
  /** False when the exercise left the catalog after the track was made. */
  inCatalog: boolean;
  unlocked: boolean;
  unlockedAt: string | null;
  /** A scheduled unlock still ahead. */
  unlockAt: string | null;
};

export type CohortSummary = {
  id: number;
  name: string;
  description: string;
  startsAt: string | null;
  endsAt: string | null;
  seats: number;
  members: number;
  ended: boolean;
};

export type CohortDetail = CohortSummary & {
  ownerId: number;
  hints: boolean;
  solution: SolutionMode;
  leaderboard: LeaderboardMode;
  joinCode: string | null;
  joinCodeExpiresAt: string | null;
  coInstructors: { id: number; displayName: string; email: string }[];
  invites: { id: number; email: string; expiresAt: string; usedAt: string | null }[];
  track: TrackItem[];
};

export type Broadcast = { id: number; text: string; createdAt: string; author: string };

export type Hand = {
  id: number;
  userId: number;
  displayName: string;
  exerciseId: string | null;
  message: string;
  raisedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
};

export type Takeover = {
  id: number;
  workspaceId: number;
  exerciseId: string;
  learnerId: number;
  instructor: string;
  requestedAt: string;
  state: "requested" | "active" | "declined" | "ended";
};

/** The learner's page of a cohort. */
export type MemberView = {
  cohort: CohortSummary & { hints: boolean; solution: SolutionMode; leaderboard: LeaderboardMode };
  track: TrackItem[];
  broadcasts: Broadcast[];
  myHand: Hand | null;
  takeovers: Takeover[];
  pseudonym: string;
};

export type LeaderboardRow = { rank: number; name: string; you: boolean; passed: number; points: number };

/** Why the room flags a learner: each signal with what it saw. */
export type HelpSignal =
  | { kind: "hand"; message: string; since: string }
  | { kind: "failed_in_row"; count: number; exerciseId: string }
  | { kind: "same_test_failing"; test: string; count: number; exerciseId: string }
  | { kind: "idle"; minutes: number; exerciseId: string };

export type RoomCell = {
  exerciseId: string;
  status: "not_started" | "in_progress" | "passed";
  best: number | null;
  maxScore: number;
  attempts: number;
  lastActivityAt: string | null;
  workspaceId: number | null;
  latestSubmissionId: number | null;
  /** The latest submission: waiting or being graded, or its result. */
  latestStatus: "queued" | "running" | "done" | "error" | "pass" | "fail" | null;
  terminalLive: boolean;
};

export type RoomRow = {
  userId: number;
  displayName: string;
  email: string;
  cells: RoomCell[];
  needsHelp: HelpSignal[];
};

export type Room = {
  cohort: CohortSummary;
  track: TrackItem[];
  rows: RoomRow[];
  hands: Hand[];
  thresholds: { failedInRow: number; sameTest: number; idleMinutes: number };
};

/** Pushed over server-sent events: to the room (instructors) and to each member. */
export type CohortEvent =
  | { type: "track"; track: TrackItem[] }
  | { type: "broadcast"; broadcast: Broadcast }
  | { type: "row"; row: RoomRow }
  | { type: "hands"; hands: Hand[] }
  | { type: "takeover"; takeover: Takeover }
  | { type: "room"; room: Room };
