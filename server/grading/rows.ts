import type { Results } from "../../graders/results.ts";
import type { Database } from "../db/database.ts";
import type { Attestation } from "./attest.ts";

/**
 * A submission as stored (a submissions row joined with its result) and as the API shows it:
 * the row type, the queries that claim, read and complete it, and the mapping to the public shape.
 */

export type SubmissionStatus = "queued" | "running" | "done" | "error";
export type Submission = {
  id: number;
  exerciseId: string;
  status: SubmissionStatus;
  createdAt: string;
  /** When a worker took it (the latest attempt's start); null while it is queued. */
  startedAt: string | null;
  /** Time from the 202 to the grading's start: pure queue wait, before any sandbox exists. */
  queueWaitMs: number | null;
  result: Results | null;
  attestation: Attestation | null;
};

export type Row = {
  id: number;
  workspace_id: number;
  user_id: number;
  exercise_id: string;
  status: SubmissionStatus;
  created_at: string;
  started_at: string | null;
  attempts: number;
  body: string | null;
  suite_hash: string | null;
  sandbox: string | null;
  signature: string | null;
};

export const SELECT =
  "SELECT s.*, r.body, r.suite_hash, r.sandbox, r.signature FROM submissions s LEFT JOIN results r ON r.submission_id = s.id";

export function attestationOf(r: Row): Attestation | null {
  return r.signature && r.sandbox !== null && r.suite_hash !== null
    ? { algorithm: "HMAC-SHA256", suite_hash: r.suite_hash, sandbox: r.sandbox, signature: r.signature }
    : null;
}

export function queueWaitMs(r: Row): number | null {
  return r.started_at ? Math.max(0, Date.parse(r.started_at) - Date.parse(r.created_at)) : null;
}

export function toSubmission(r: Row): Submission {
  return {
    id: r.id,
    exerciseId: r.exercise_id,
    status: r.status,
    createdAt: r.created_at,
    startedAt: r.started_at,
    queueWaitMs: queueWaitMs(r),
    result: r.body ? (JSON.parse(r.body) as Results) : null,
    attestation: attestationOf(r),
  };
}

export type StoredResult = { submissionId: number; userId: number; exerciseId: string; result: Results };

/** Takes the oldest queued submission for a worker (one statement: two workers never take the same one). */
export function claimNext(db: Database): Row | undefined {
  return db.get<Row>(
    "UPDATE submissions SET status = 'running', started_at = ?, attempts = attempts + 1 WHERE id = (SELECT id FROM submissions WHERE status = 'queued' ORDER BY id LIMIT 1) RETURNING *, NULL AS body, NULL AS suite_hash, NULL AS sandbox, NULL AS signature",
    [new Date().toISOString()],
  );
}

/** Stores a graded submission's result and status in one transaction, with what the `onStored` hooks write. */
export function storeResult(
  db: Database,
  row: Row,
  result: Results,
  attestation: Attestation,
  status: SubmissionStatus,
  onStored: readonly ((r: StoredResult) => void)[],
): void {
  db.transaction(() => {
    db.run(
      "INSERT OR REPLACE INTO results (submission_id, status, score, max_score, duration_ms, body, created_at, suite_hash, sandbox, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [
        row.id,
        result.status,
        result.score,
        result.max_score,
        result.duration_ms,
        JSON.stringify(result),
        new Date().toISOString(),
        attestation.suite_hash,
        attestation.sandbox,
        attestation.signature,
      ],
    );
    db.run("UPDATE submissions SET status = ?, finished_at = ? WHERE id = ?", [
      status,
      new Date().toISOString(),
      row.id,
    ]);
    for (const hook of onStored)
      hook({ submissionId: row.id, userId: row.user_id, exerciseId: row.exercise_id, result });
  });
}
