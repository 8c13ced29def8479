import fs from "node:fs";
import path from "node:path";
import { grade } from "../../graders/run.ts";
import type { Results } from "../../graders/results.ts";
import type { Database } from "../db/database.ts";
import { notFound, Problem } from "../errors.ts";
import type { Exercise } from "../exercises/catalog.ts";
import type { Logger } from "../logger.ts";
import type { SandboxDriver } from "../sandbox/driver.ts";
import { copyTree, CopyLimitError, removeTree } from "../workspaces/files.ts";
import { gradingUid, type Workspace } from "../workspaces/service.ts";

export type SubmissionStatus = "queued" | "running" | "done";
export type Submission = { id: number; exerciseId: string; status: SubmissionStatus; createdAt: string; result: Results | null };

type Row = { id: number; workspace_id: number; user_id: number; exercise_id: string; status: SubmissionStatus; created_at: string; body: string | null };

const SELECT = "SELECT s.*, r.body FROM submissions s LEFT JOIN results r ON r.submission_id = s.id";

/**
 * Submissions and their grading. A submission is a snapshot of the workspace plus a row,
 * both durable before the client hears 202; a queue grades them in order, and a restarted
 * lab picks up whatever was queued or running when it stopped.
 */
export class Grading {
  private readonly snapshots: string;
  private readonly scratch: string;
  private running = 0;
  private wakeups: (() => void)[] = [];
  private stopping = false;
  private workers: Promise<void>[] = [];

  constructor(
    private db: Database,
    dataDir: string,
    private driver: SandboxDriver,
    private exercises: (id: string) => Exercise | undefined,
    private log: Logger,
  ) {
    this.snapshots = path.join(dataDir, "submissions");
    this.scratch = path.join(dataDir, "grading");
    fs.mkdirSync(this.snapshots, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.scratch, { recursive: true, mode: 0o711 });
  }

  submit(ws: Workspace): { id: number; status: SubmissionStatus } {
    const tmp = path.join(this.snapshots, `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    try {
      copyTree(ws.dir, tmp);
    } catch (err) {
      removeTree(tmp);
      if (err instanceof CopyLimitError) throw new Problem(413, "workspace-too-large", "Workspace too large", `The workspace has ${err.message}; remove generated files and submit again.`);
      throw err;
    }
    const id = this.db.transaction(() => {
      const info = this.db.run("INSERT INTO submissions (workspace_id, user_id, exercise_id, status, created_at) VALUES (?, ?, ?, 'queued', ?)", [ws.id, ws.userId, ws.exerciseId, new Date().toISOString()]);
      const id = Number(info.lastInsertRowid);
      fs.renameSync(tmp, path.join(this.snapshots, String(id)));
      return id;
    });
    this.wake();
    return { id, status: "queued" };
  }

  get(id: number, userId: number): Submission {
    const row = this.db.get<Row>(`${SELECT} WHERE s.id = ?`, [id]);
    // Someone else's submission is "not found", not "forbidden": ids are not an oracle.
    if (!row || row.user_id !== userId) throw notFound("The submission");
    return toSubmission(row);
  }

  list(userId: number, exerciseId: string, limit = 20): Submission[] {
    return this.db.all<Row>(`${SELECT} WHERE s.user_id = ? AND s.exercise_id = ? ORDER BY s.id DESC LIMIT ?`, [userId, exerciseId, limit]).map(toSubmission);
  }

  best(userId: number): Map<string, { score: number; maxScore: number }> {
    const rows = this.db.all<{ exercise_id: string; score: number; max_score: number }>(
      "SELECT s.exercise_id, max(r.score) AS score, r.max_score FROM submissions s JOIN results r ON r.submission_id = s.id WHERE s.user_id = ? AND r.status <> 'error' GROUP BY s.exercise_id",
      [userId],
    );
    return new Map(rows.map((r) => [r.exercise_id, { score: r.score, maxScore: r.max_score }]));
  }

  /** Starts the workers; submissions left running by a crash are graded again. */
  start(concurrency: number): void {
    const requeued = this.db.run("UPDATE submissions SET status = 'queued', started_at = NULL WHERE status = 'running'").changes;
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

  private wake(all = false): void {
    const fns = all ? this.wakeups.splice(0) : this.wakeups.splice(0, 1);
    for (const f of fns) f();
  }

  private claim(): Row | undefined {
    return this.db.get<Row>(
      "UPDATE submissions SET status = 'running', started_at = ? WHERE id = (SELECT id FROM submissions WHERE status = 'queued' ORDER BY id LIMIT 1) RETURNING *, NULL AS body",
      [new Date().toISOString()],
    );
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const row = this.claim();
      if (!row) {
        await new Promise<void>((resolve) => {
          this.wakeups.push(resolve);
          setTimeout(resolve, 5000).unref();
        });
        continue;
      }
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

  private async gradeOne(row: Row): Promise<void> {
    const exercise = this.exercises(row.exercise_id);
    const snapshot = path.join(this.snapshots, String(row.id));
    let result: Results;
    if (!exercise) {
      result = { version: 3, status: "error", message: `The exercise "${row.exercise_id}" is no longer in the catalog.`, tests: [], score: 0, max_score: 0, duration_ms: 0 };
    } else if (!fs.existsSync(snapshot)) {
      result = { version: 3, status: "error", message: "The submission's files were lost before it was acknowledged; submit again.", tests: [], score: 0, max_score: exercise.maxScore, duration_ms: 0 };
    } else {
      this.log.info({ submission: row.id, exercise: exercise.id }, "grading");
      result = await grade({ exercise, submissionDir: snapshot, workDir: path.join(this.scratch, String(row.id)), driver: this.driver, uid: gradingUid(row.id), name: `grade-${row.id}` });
    }
    this.db.transaction(() => {
      this.db.run("INSERT OR REPLACE INTO results (submission_id, status, score, max_score, duration_ms, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
        row.id,
        result.status,
        result.score,
        result.max_score,
        result.duration_ms,
        JSON.stringify(result),
        new Date().toISOString(),
      ]);
      this.db.run("UPDATE submissions SET status = 'done', finished_at = ? WHERE id = ?", [new Date().toISOString(), row.id]);
    });
    this.log.info({ submission: row.id, status: result.status, score: result.score, max: result.max_score, ms: result.duration_ms }, "graded");
  }
}

function toSubmission(r: Row): Submission {
  return { id: r.id, exerciseId: r.exercise_id, status: r.status, createdAt: r.created_at, result: r.body ? (JSON.parse(r.body) as Results) : null };
}
