import { EventEmitter } from "node:events";
import { trace, type Tracer } from "@opentelemetry/api";
import fs from "node:fs";
import path from "node:path";
import { suiteHash } from "../../graders/suite-hash.ts";
import { labSecret, sign, verify, type Attestation } from "./attest.ts";
import { grade, type GradeProgress } from "../../graders/run.ts";
import type { Results } from "../../graders/results.ts";
import { phaseTotals } from "../../graders/timing.ts";
import type { Database } from "../db/database.ts";
import { notFound, Problem } from "../errors.ts";
import type { Exercise } from "../../graders/exercise/catalog.ts";
import type { Logger } from "../logger.ts";
import type { SandboxDriver } from "../../graders/sandbox/port.ts";
import { copyTree, CopyLimitError, removeTree } from "../../graders/sandbox/files.ts";
import {
  attestationOf,
  claimNext,
  queueWaitMs,
  SELECT,
  storeResult,
  toSubmission,
  type Row,
  type Submission,
  type StoredResult,
  type SubmissionStatus,
} from "./rows.ts";
import { gradingUid, type Workspace } from "../workspaces/service.ts";
import { GradingTraces } from "./trace.ts";

export type { StoredResult, Submission, SubmissionStatus };

/** Emitted as `graded` on `Grading.events` once any submission's result is stored (metrics, live rooms, webhooks). */
export type Graded = { submission: Submission; userId: number; kinds: string[]; queueMs: number | null };

/** Pushed to the page while a submission is graded (server-sent events). */
export type SubmissionEvent =
  | GradeProgress
  | { type: "status"; status: SubmissionStatus }
  | ({ type: "queue" } & QueuePosition)
  | { type: "done"; submission: Submission };

/** Where a queued submission stands: submissions queued before it, and gradings running now. */
export type QueuePosition = { ahead: number; grading: number };

/** A submission was made or graded (for listeners beyond its own page, e.g. the workshop room). */
export type SubmissionChange = {
  submissionId: number;
  userId: number;
  exerciseId: string;
  status: SubmissionStatus;
  gradedAt?: number;
};

/** A submission that took the lab down this many times is not tried again. */
const MAX_ATTEMPTS = 3;
/**
 * An idle worker also looks at the queue this often. Submissions wake a worker directly; the
 * poll only covers a row this process did not insert itself.
 */
export const POLL_MS = 5000;

export type GradingOptions = {
  /** Identity of the sandbox a runtime's gradings run in (driver, image or runtime folder). */
  sandboxIdentity: (runtime: string) => string;
  /** Submissions one user may make per minute. */
  perMinute: number;
  /** Where gradings' spans go (server/tracing); without one they cost nothing. */
  tracer?: Tracer;
};

/**
 * Submissions and their grading. A submission is a snapshot of the workspace plus a row,
 * both durable before the client hears 202; a queue grades them in order, and a restarted
 * lab picks up whatever was queued or running when it stopped.
 */
export class Grading {
  private readonly snapshots: string;
  private readonly scratch: string;
  private running = 0;
  /** One wake-up per idle worker: each removes itself when it fires, by a submission or the poll. */
  private idle: (() => void)[] = [];
  private stopping = false;
  private workers: Promise<void>[] = [];
  private secret: Buffer;
  private suites = new Map<string, string>();
  private recent = new Map<number, number[]>();
  /**
   * `sub:<id>` → SubmissionEvent, for the live progress stream; `changed` → SubmissionChange
   * whenever a submission is made or graded (the workshop room listens); `graded` → Graded once
   * a result is stored, with the grader kinds and the queue wait (the lab's metrics listen).
   */
  readonly events = new EventEmitter().setMaxListeners(1000);
  /**
   * Run inside the transaction that stores a result, so what they write (a webhook delivery in
   * the outbox) commits with it or not at all. They must only write rows, never wait.
   */
  readonly onStored: ((r: StoredResult) => void)[] = [];
  private traces: GradingTraces;

  constructor(
    private db: Database,
    dataDir: string,
    private driver: SandboxDriver,
    private exercises: (id: string) => Exercise | undefined,
    private log: Logger,
    private opts: GradingOptions = { sandboxIdentity: () => driver.name, perMinute: 10 },
  ) {
    this.snapshots = path.join(dataDir, "submissions");
    this.scratch = path.join(dataDir, "grading");
    fs.mkdirSync(this.snapshots, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.scratch, { recursive: true, mode: 0o711 });
    this.secret = labSecret(dataDir);
    this.traces = new GradingTraces(opts.tracer ?? trace.getTracer("backlab-disabled"));
  }

  /**
   * A retried submit with the same Idempotency-Key returns the submission it made the first
   * time; a user past the per-minute limit is told when to come back.
   */
  submitOnce(
    ws: Workspace,
    key: string | undefined,
  ): { submission: { id: number; status: SubmissionStatus }; replayed: boolean } {
    if (key) {
      const prior = this.db.get<{ submission_id: number; exercise_id: string }>(
        "SELECT submission_id, exercise_id FROM idempotency_keys WHERE user_id = ? AND key = ?",
        [ws.userId, key],
      );
      if (prior) {
        if (prior.exercise_id !== ws.exerciseId)
          throw new Problem(
            422,
            "idempotency-key-reused",
            "Idempotency key reused",
            "This Idempotency-Key was already used for another exercise.",
          );
        const row = this.db.get<Row>(`${SELECT} WHERE s.id = ?`, [prior.submission_id])!;
        return { submission: { id: row.id, status: row.status }, replayed: true };
      }
    }
    this.rateLimit(ws.userId);
    const submission = this.submit(ws, key);
    return { submission, replayed: false };
  }

  private rateLimit(userId: number): void {
    const now = Date.now();
    const times = (this.recent.get(userId) ?? []).filter((t) => now - t < 60_000);
    if (times.length >= this.opts.perMinute) {
      const retry = Math.ceil((60_000 - (now - times[0]!)) / 1000);
      throw new Problem(
        429,
        "rate-limited",
        "Too many submissions",
        `You can submit ${this.opts.perMinute} times a minute; try again in ${retry} s.`,
        { retryAfter: retry },
      );
    }
    times.push(now);
    this.recent.set(userId, times);
  }

  submit(ws: Workspace, idempotencyKey?: string): { id: number; status: SubmissionStatus } {
    const tmp = path.join(this.snapshots, `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    try {
      copyTree(ws.dir, tmp);
    } catch (err) {
      removeTree(tmp);
      if (err instanceof CopyLimitError)
        throw new Problem(
          413,
          "workspace-too-large",
          "Workspace too large",
          `The workspace has ${err.message}; remove generated files and submit again.`,
        );
      throw err;
    }
    const id = this.db.transaction(() => {
      const info = this.db.run(
        "INSERT INTO submissions (workspace_id, user_id, exercise_id, status, created_at) VALUES (?, ?, ?, 'queued', ?)",
        [ws.id, ws.userId, ws.exerciseId, new Date().toISOString()],
      );
      const id = Number(info.lastInsertRowid);
      if (idempotencyKey)
        this.db.run(
          "INSERT INTO idempotency_keys (user_id, key, exercise_id, submission_id, created_at) VALUES (?, ?, ?, ?, ?)",
          [ws.userId, idempotencyKey, ws.exerciseId, id, new Date().toISOString()],
        );
      fs.renameSync(tmp, path.join(this.snapshots, String(id)));
      return id;
    });
    this.traces.remember(id);
    this.wake();
    this.events.emit("changed", {
      submissionId: id,
      userId: ws.userId,
      exerciseId: ws.exerciseId,
      status: "queued",
    } satisfies SubmissionChange);
    return { id, status: "queued" };
  }

  /** Where a submission's snapshot lives (read-only for callers: assessments hash it). */
  snapshotDir(id: number): string {
    return path.join(this.snapshots, String(id));
  }

  get(id: number, userId: number): Submission {
    const row = this.db.get<Row>(`${SELECT} WHERE s.id = ?`, [id]);
    // Someone else's submission is "not found", not "forbidden": ids are not an oracle.
    if (!row || row.user_id !== userId) throw notFound("The submission");
    return toSubmission(row);
  }

  list(userId: number, exerciseId: string, limit = 20): Submission[] {
    return this.db
      .all<Row>(`${SELECT} WHERE s.user_id = ? AND s.exercise_id = ? ORDER BY s.id DESC LIMIT ?`, [
        userId,
        exerciseId,
        limit,
      ])
      .map(toSubmission);
  }

  /** Starts the workers; submissions left running by a crash are graded again. */
  start(concurrency: number): void {
    const requeued = this.db.run(
      "UPDATE submissions SET status = 'queued', started_at = NULL WHERE status = 'running'",
    ).changes;
    if (requeued) this.log.warn({ requeued }, "requeued submissions interrupted by a restart");
    for (const e of fs.readdirSync(this.snapshots)) if (e.startsWith(".tmp-")) removeTree(path.join(this.snapshots, e));
    for (const e of fs.readdirSync(this.scratch)) removeTree(path.join(this.scratch, e));
    for (let i = 0; i < concurrency; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake(true);
    await Promise.all(this.workers);
  }

  /** Workers waiting for a submission right now (never more than there are workers). */
  get idleWorkers(): number {
    return this.idle.length;
  }

  private wake(all = false): void {
    const fns = all ? [...this.idle] : this.idle.slice(0, 1);
    for (const f of fns) f();
  }

  /** Resolves on the next wake() or after POLL_MS, whichever is first; leaves nothing behind. */
  private waitForWork(): Promise<void> {
    return new Promise<void>((resolve) => {
      const fire = () => {
        clearTimeout(timer);
        const at = this.idle.indexOf(fire);
        if (at >= 0) this.idle.splice(at, 1);
        resolve();
      };
      const timer = setTimeout(fire, POLL_MS);
      timer.unref();
      this.idle.push(fire);
    });
  }

  /** Whether a stored result still carries a valid signature from this lab. */
  verify(id: number): { valid: boolean; attestation: Attestation | null } {
    const row = this.db.get<Row>(`${SELECT} WHERE s.id = ?`, [id]);
    if (!row?.body || !row.signature) return { valid: false, attestation: null };
    const a = attestationOf(row)!;
    return { valid: verify(this.secret, row.id, row.exercise_id, JSON.parse(row.body) as Results, a), attestation: a };
  }

  /** What a submission being graded has reported so far, replayed to a late subscriber. */
  private history = new Map<number, SubmissionEvent[]>();

  private emit(id: number, event: SubmissionEvent): void {
    if (event.type === "done") this.history.delete(id);
    else {
      const past = this.history.get(id) ?? [];
      if (past.length < 5000) past.push(event);
      this.history.set(id, past);
    }
    this.events.emit(`sub:${id}`, event);
  }

  /** The events so far of a submission being graded (empty when none is running). */
  progressOf(id: number): SubmissionEvent[] {
    return [...(this.history.get(id) ?? [])];
  }

  /**
   * Where a queued submission stands (null once it left the queue). Workers take the lowest
   * id first, so "ahead" is the queued ones with a lower id.
   */
  queuePosition(id: number): QueuePosition | null {
    const row = this.db.get<{ status: SubmissionStatus; ahead: number; grading: number }>(
      `SELECT s.status,
         (SELECT COUNT(*) FROM submissions q WHERE q.status = 'queued' AND q.id < s.id) AS ahead,
         (SELECT COUNT(*) FROM submissions r WHERE r.status = 'running') AS grading
       FROM submissions s WHERE s.id = ?`,
      [id],
    );
    return row?.status === "queued" ? { ahead: row.ahead, grading: row.grading } : null;
  }

  /** A worker took a submission: everyone still queued moved up one (told only to live streams). */
  private announceQueue(): void {
    const queued = this.db.all<{ id: number }>("SELECT id FROM submissions WHERE status = 'queued' ORDER BY id");
    if (!queued.length) return;
    const grading = this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM submissions WHERE status = 'running'")!.n;
    queued.forEach(({ id }, ahead) => this.events.emit(`sub:${id}`, { type: "queue", ahead, grading }));
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const row = claimNext(this.db);
      if (!row) {
        await this.waitForWork();
        continue;
      }
      this.announceQueue();
      this.running++;
      try {
        await this.gradeOne(row);
      } catch (err) {
        this.log.error({ err, submission: row.id }, "grading failed");
      } finally {
        this.running--;
      }
    }
  }

  private gradeOne(row: Row): Promise<void> {
    return this.traces.run(row, () => this.gradeAndStore(row));
  }

  private async gradeAndStore(row: Row): Promise<{ result: Results; startedAt: number }> {
    const exercise = this.exercises(row.exercise_id);
    const snapshot = path.join(this.snapshots, String(row.id));
    const queueMs = queueWaitMs(row);
    this.emit(row.id, { type: "status", status: "running" });
    let result: Results;
    let suite = "";
    let startedAt = Date.now();
    const sandbox = exercise ? this.opts.sandboxIdentity(exercise.runtime) : this.driver.name;
    if (!exercise) {
      result = {
        version: 3,
        status: "error",
        message: `The exercise "${row.exercise_id}" is no longer in the catalog.`,
        tests: [],
        score: 0,
        max_score: 0,
        duration_ms: 0,
      };
    } else if (!fs.existsSync(snapshot)) {
      result = {
        version: 3,
        status: "error",
        message: "The submission's files were lost before it was acknowledged; submit again.",
        tests: [],
        score: 0,
        max_score: exercise.maxScore,
        duration_ms: 0,
      };
    } else if (row.attempts > MAX_ATTEMPTS) {
      result = {
        version: 3,
        status: "error",
        message: `Grading was interrupted ${MAX_ATTEMPTS} times (the lab restarted while grading it); it will not be tried again. Submit again.`,
        tests: [],
        score: 0,
        max_score: exercise.maxScore,
        duration_ms: 0,
      };
    } else {
      this.log.info({ submission: row.id, exercise: exercise.id, queueMs }, "grading");
      if (!this.suites.has(exercise.id)) this.suites.set(exercise.id, suiteHash(exercise));
      suite = this.suites.get(exercise.id)!;
      startedAt = Date.now();
      result = await grade({
        exercise,
        submissionDir: snapshot,
        workDir: path.join(this.scratch, String(row.id)),
        driver: this.driver,
        uid: gradingUid(row.id),
        name: `grade-${row.id}`,
        onProgress: (e) => this.emit(row.id, e),
      });
    }
    // The wait before the grading is part of what the learner waited for: the first phase,
    // before the grading's own start (signed with the rest).
    if (queueMs !== null)
      result = {
        ...result,
        timing: {
          phases: [
            { phase: "queue", label: null, step: null, start_ms: -queueMs, ms: queueMs },
            ...(result.timing?.phases ?? []),
          ],
        },
      };
    const attestation = sign(this.secret, row.id, row.exercise_id, result, suite, sandbox);
    const status: SubmissionStatus = result.status === "error" ? "error" : "done";
    storeResult(this.db, row, result, attestation, status, this.onStored);
    // Where the time went, per phase (graders/results.ts), so slow gradings show in the log.
    this.log.info(
      {
        submission: row.id,
        status: result.status,
        score: result.score,
        max: result.max_score,
        ms: result.duration_ms,
        queueMs,
        phases: phaseTotals(result.timing?.phases ?? []),
      },
      "graded",
    );
    const done = this.db.get<Row>(`${SELECT} WHERE s.id = ?`, [row.id]);
    if (!done) return { result, startedAt };
    const submission = toSubmission(done);
    this.emit(row.id, { type: "done", submission });
    this.events.emit("changed", {
      submissionId: row.id,
      userId: row.user_id,
      exerciseId: row.exercise_id,
      status,
      gradedAt: Date.now(),
    } satisfies SubmissionChange);
    const graded: Graded = {
      submission,
      userId: done.user_id,
      kinds: exercise ? exercise.grader.steps.map((s) => s.kind) : [],
      queueMs,
    };
    this.events.emit("graded", graded);
    return { result, startedAt };
  }
}
