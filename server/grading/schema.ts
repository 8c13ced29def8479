import { z } from "zod";
import type { Attestation } from "./attest.ts";
import { PHASES, type Results } from "../../graders/results.ts";
import type { QueuePosition, Submission } from "./service.ts";

export const SubmissionId = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
/** Printable ASCII, as the IETF Idempotency-Key draft describes keys (UUIDs in practice). */
export const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, "use 1 to 128 printable ASCII characters");

export const SubmissionStatus = z.enum(["queued", "running", "done", "error"]);

const TestStatus = z.enum(["pass", "fail", "error"]);
/** The engine's results (graders/results.ts) as the API documents them. */
export const ResultsOut = z.object({
  version: z.literal(3),
  status: TestStatus,
  message: z.string().nullable(),
  tests: z.array(
    z.object({
      name: z.string(),
      status: TestStatus,
      message: z.string().nullable(),
      output: z.string().nullable(),
      task_id: z.number().int().nullable(),
      category: z.enum(["functional", "security", "performance", "quality"]),
      points: z.number(),
      max_points: z.number(),
      duration_ms: z.number().nullable(),
    }),
  ),
  score: z.number(),
  max_score: z.number(),
  duration_ms: z.number(),
  /** Where the grading's time went; phases may overlap. */
  timing: z
    .object({
      phases: z.array(
        z.object({
          phase: z.enum(PHASES),
          label: z.string().nullable(),
          step: z.number().int().nullable(),
          start_ms: z.number(),
          ms: z.number(),
        }),
      ),
    })
    .optional(),
});
export const AttestationOut = z.object({
  algorithm: z.literal("HMAC-SHA256"),
  suite_hash: z.string(),
  sandbox: z.string(),
  signature: z.string(),
});

export const SubmissionOut = z.object({
  id: z.number().int(),
  exerciseId: z.string(),
  status: SubmissionStatus,
  createdAt: z.string(),
  /** When a worker took it (the latest attempt's start); null while it is queued. */
  startedAt: z.string().nullable(),
  /** Time from the 202 to the grading's start. */
  queueWaitMs: z.number().nullable(),
  result: ResultsOut.nullable(),
  attestation: AttestationOut.nullable(),
});
/** The 202 of a submit: graded later, followed at /submissions/:id/events. */
export const SubmissionAccepted = z.object({ id: z.number().int(), status: SubmissionStatus });
/** A queued submission's place: queued before it, and being graded now. */
export const QueuePositionOut = z.object({ ahead: z.number().int(), grading: z.number().int() });
export const Verification = z.object({ valid: z.boolean(), attestation: AttestationOut.nullable() });

// The documented schemas, the engine's types and what the service returns must be one shape:
// a change to either side fails the typecheck here.
// Exact equality (optional and readonly properties included), not only mutual assignability.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameResults: Same<z.infer<typeof ResultsOut>, Results> = true;
const sameAttestation: Same<z.infer<typeof AttestationOut>, Attestation> = true;
const sameSubmission: Same<z.infer<typeof SubmissionOut>, Submission> = true;
const sameQueue: Same<z.infer<typeof QueuePositionOut>, QueuePosition> = true;
void [sameResults, sameAttestation, sameSubmission, sameQueue];
