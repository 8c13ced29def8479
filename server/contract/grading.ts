/**
 * Submissions, their results and the live grading progress: types only. The schemas they are
 * inferred from are checked against the engine's own result types (server/grading/schema.ts).
 */
import type { z } from "zod";
import type { QueuePositionOut, SubmissionAccepted, SubmissionOut, Verification } from "../grading/schema.ts";
import type { SubmissionEvent } from "../grading/service.ts";

export type Submission = z.infer<typeof SubmissionOut>;
export type SubmissionStatus = Submission["status"];
/** The 202 of a submit. */
export type SubmissionAccepted = z.infer<typeof SubmissionAccepted>;
/** Exercism's test-runner results v3, plus points and categories. */
export type Results = NonNullable<Submission["result"]>;
export type TestResult = Results["tests"][number];
export type TestStatus = TestResult["status"];
export type Category = TestResult["category"];
export type Verification = z.infer<typeof Verification>;
/** A queued submission's place: `ahead` queued before it, `grading` being graded now. */
export type QueuePosition = z.infer<typeof QueuePositionOut>;

/**
 * The server-sent events of `GET /api/submissions/:id/events`: the event name is `type`, the
 * data the whole object. The stream ends after `done`.
 */
export type GradingEvent = SubmissionEvent;
export type GradingEventOf<T extends GradingEvent["type"]> = Extract<GradingEvent, { type: T }>;
