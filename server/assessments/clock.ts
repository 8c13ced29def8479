import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { User } from "../accounts/schema.ts";
import type { Database } from "../db/database.ts";
import { conflict, Problem } from "../errors.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import type { Grading } from "../grading/service.ts";
import type { Logger } from "../logger.ts";
import type { Workspaces } from "../workspaces/service.ts";
import type { Notify } from "../webhooks/service.ts";
import type { CandidateRow, Candidates } from "./candidates.ts";
import type { AssessmentRow, Assessments } from "./service.ts";

/**
 * A save that left the page just before the deadline is still kept when it arrives within
 * this much after it; the final snapshot is taken once it has passed.
 */
export const GRACE_MS = 5_000;
const MINUTE = 60_000;

/** deadline = min(window close + slack, start + duration × factor + extra minutes). */
export function deadlineOf(
  a: Pick<AssessmentRow, "closes_at" | "slack_minutes" | "duration_minutes">,
  c: Pick<CandidateRow, "started_at" | "time_factor" | "extra_minutes">,
): Date {
  const windowEnd = Date.parse(a.closes_at) + a.slack_minutes * MINUTE;
  const own = Date.parse(c.started_at!) + a.duration_minutes * c.time_factor * MINUTE + c.extra_minutes * MINUTE;
  return new Date(Math.min(windowEnd, own));
}

/** SHA-256 over the snapshot's files in path order (path, size and content each), links by target. */
export function treeHash(dir: string): string {
  const h = crypto.createHash("sha256");
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isSymbolicLink()) h.update(`L\0${r}\0${fs.readlinkSync(path.join(dir, r))}\0`);
      else if (st.isFile()) {
        h.update(`F\0${r}\0${st.size}\0`);
        h.update(fs.readFileSync(path.join(dir, r)));
      }
    }
  };
  walk("");
  return h.digest("hex");
}

type Deps = {
  db: Database;
  catalog: Catalog;
  workspaces: Workspaces;
  grading: Grading;
  assessments: Assessments;
  candidates: Candidates;
  log: Logger;
};

/**
 * The server's clock for each candidate: started by the candidate, extended by reviewers,
 * and at the deadline the end: the terminal closes, every exercise's workspace becomes a
 * final submission (graded like any other) and every write path refuses. The end is driven
 * from the database, so a lab that restarts past someone's deadline finishes them at start.
 */
export class AssessmentClock {
  private timer: NodeJS.Timeout | undefined;
  private finishing = new Set<number>();
  /** Called with a candidate's user id when their time is up (the terminal closes). */
  onTimeUp: (userId: number) => void = () => {};
  /** Webhook events (set by the composition root). */
  notify: Notify = () => {};

  constructor(private deps: Deps) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 500);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The candidate presses Start: the clock runs from now and never pauses. */
  begin(user: User): CandidateRow {
    const { c, a } = this.mine(user);
    if (c.started_at) return c;
    const now = Date.now();
    if (now < Date.parse(a.opens_at))
      throw new Problem(409, "not-open-yet", "Not open yet", `This assessment opens at ${a.opens_at}.`);
    if (now >= Date.parse(a.closes_at))
      throw new Problem(
        410,
        "window-closed",
        "Assessment closed",
        `This assessment closed at ${a.closes_at}; it can no longer be started.`,
      );
    const startedAt = new Date(now).toISOString();
    const deadline = deadlineOf(a, { ...c, started_at: startedAt });
    this.deps.db.transaction(() => {
      const started = this.deps.db.run(
        "UPDATE assessment_candidates SET started_at = ?, deadline_at = ? WHERE id = ? AND started_at IS NULL",
        [startedAt, deadline.toISOString(), c.id],
      );
      if (started.changes === 0) return;
      this.deps.assessments.audit(a.id, c.id, user.id, "started");
      this.notify("assessment.invite.started", {
        assessment_id: a.id,
        candidate_id: c.id,
        started_at: startedAt,
        deadline_at: deadline.toISOString(),
      });
    });
    return this.deps.candidates.row(c.id)!;
  }

  /** Extra time (minutes, a factor or both), also while the candidate works. */
  extend(
    assessmentId: number,
    candidateId: number,
    change: { extraMinutes?: number; timeFactor?: number },
    actor: User,
  ): CandidateRow {
    return this.deps.db.transaction(() => {
      const c = this.deps.candidates.of(assessmentId, candidateId);
      if (c.finished_at || c.finalized_at)
        throw conflict("The candidate has finished; their time can no longer change.");
      const next = {
        ...c,
        extra_minutes: change.extraMinutes ?? c.extra_minutes,
        time_factor: change.timeFactor ?? c.time_factor,
      };
      const deadline = c.started_at ? deadlineOf(this.deps.assessments.row(assessmentId)!, next).toISOString() : null;
      this.deps.db.run(
        "UPDATE assessment_candidates SET extra_minutes = ?, time_factor = ?, deadline_at = ? WHERE id = ?",
        [next.extra_minutes, next.time_factor, deadline, c.id],
      );
      this.deps.db.run(
        "INSERT INTO assessment_extensions (candidate_id, extra_minutes, time_factor, deadline_at, by_user, at) VALUES (?, ?, ?, ?, ?, ?)",
        [c.id, next.extra_minutes, next.time_factor, deadline, actor.id, new Date().toISOString()],
      );
      this.deps.assessments.audit(
        assessmentId,
        c.id,
        actor.id,
        "time-changed",
        `extra ${next.extra_minutes} min, factor ${next.time_factor}`,
      );
      return this.deps.candidates.row(c.id)!;
    });
  }

  /** The candidate hands in before the deadline. */
  handIn(user: User): Promise<CandidateRow> {
    const { c } = this.mine(user);
    if (!c.started_at) throw new Problem(409, "not-started", "Not started", "Press Start first.");
    if (!c.finished_at)
      this.deps.db.run(
        "UPDATE assessment_candidates SET finished_at = ?, finish_reason = 'submitted' WHERE id = ? AND finished_at IS NULL",
        [new Date().toISOString(), c.id],
      );
    this.deps.assessments.audit(c.assessment_id, c.id, user.id, "handed-in");
    return this.finalize(c.id);
  }

  /**
   * Why the candidate may not change their work now, or undefined while they may: before
   * Start, after hand-in, and from GRACE_MS past the deadline.
   */
  writeRefusal(c: CandidateRow, now = Date.now()): Problem | undefined {
    if (!c.started_at)
      return new Problem(409, "not-started", "Not started", "Press Start on the assessment's welcome page first.");
    if (c.finished_at || c.finalized_at) return timeUp("You have handed in; your work can no longer change.");
    if (now > Date.parse(c.deadline_at!) + GRACE_MS)
      return timeUp("The time is up; your work was handed in and can no longer change.");
    return undefined;
  }

  /** Whether the terminal may stay open: until the deadline itself (saves get the grace, shells do not). */
  terminalRefusal(c: CandidateRow, now = Date.now()): Problem | undefined {
    return (
      this.writeRefusal(c, now) ??
      (now >= Date.parse(c.deadline_at!) ? timeUp("The time is up; the terminal is closed.") : undefined)
    );
  }

  /** Candidates whose time is up get their terminal closed and then their final snapshot. */
  tick(now = Date.now()): void {
    const due = this.deps.db.all<CandidateRow>(
      "SELECT * FROM assessment_candidates WHERE started_at IS NOT NULL AND finalized_at IS NULL AND (finished_at IS NOT NULL OR deadline_at <= ?)",
      [new Date(now).toISOString()],
    );
    for (const c of due) {
      if (c.user_id !== null && !this.finishing.has(c.id)) this.onTimeUp(c.user_id);
      if (c.finished_at || now > Date.parse(c.deadline_at!) + GRACE_MS)
        void this.finalize(c.id).catch((err: unknown) =>
          this.deps.log.error({ err, candidate: c.id }, "final snapshot failed"),
        );
    }
  }

  /**
   * Every exercise's workspace becomes a final submission, durable and graded; the
   * candidate is finalized in the same transaction, so a crash either redoes it all or none.
   */
  async finalize(candidateId: number): Promise<CandidateRow> {
    if (this.finishing.has(candidateId)) return this.deps.candidates.row(candidateId)!;
    this.finishing.add(candidateId);
    try {
      const c = this.deps.candidates.row(candidateId)!;
      if (c.finalized_at) return c;
      if (c.user_id !== null) this.onTimeUp(c.user_id);
      const a = this.deps.assessments.get(c.assessment_id);
      const now = new Date().toISOString();
      this.deps.db.transaction(() => {
        const submissions: { exercise_id: string; submission_id: number }[] = [];
        for (const x of a.exercises) {
          const exercise = this.deps.catalog.exercises.get(x.id);
          if (!exercise || c.user_id === null) continue;
          const ws = this.deps.workspaces.open(c.user_id, exercise);
          const sub = this.deps.grading.submit(ws);
          const hash = treeHash(this.deps.grading.snapshotDir(sub.id));
          this.deps.db.run(
            "INSERT OR REPLACE INTO assessment_finals (candidate_id, exercise_id, submission_id, snapshot_hash) VALUES (?, ?, ?, ?)",
            [c.id, x.id, sub.id, hash],
          );
          submissions.push({ exercise_id: x.id, submission_id: sub.id });
        }
        this.deps.db.run(
          "UPDATE assessment_candidates SET finished_at = coalesce(finished_at, ?), finish_reason = coalesce(finish_reason, 'deadline'), finalized_at = ? WHERE id = ?",
          [now, now, c.id],
        );
        // Scores follow as each submission's own submission.graded event.
        this.notify("assessment.completed", {
          assessment_id: c.assessment_id,
          candidate_id: c.id,
          finish_reason: c.finish_reason ?? "deadline",
          finalized_at: now,
          submissions,
        });
      });
      this.deps.log.info({ candidate: c.id, reason: c.finish_reason ?? "deadline" }, "assessment handed in");
      return this.deps.candidates.row(c.id)!;
    } finally {
      this.finishing.delete(candidateId);
    }
  }

  private mine(user: User): { c: CandidateRow; a: AssessmentRow } {
    const c = this.deps.candidates.forUser(user.id);
    if (!c || c.revoked_at) throw new Problem(404, "not-found", "Not found", "No assessment for this account.");
    return { c, a: this.deps.assessments.row(c.assessment_id)! };
  }
}

const timeUp = (detail: string) => new Problem(409, "time-up", "Time is up", detail);
