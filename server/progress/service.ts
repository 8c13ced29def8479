import type { Database } from "../db/database.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import { AREAS } from "../../graders/exercise/schema.ts";

/** not_started: never opened; in_progress: opened or submitted, no pass yet; passed: a submission passed every test. */
export type ExerciseStatus = "not_started" | "in_progress" | "passed";

export type Score = { score: number; maxScore: number };

export type ExerciseProgress = {
  status: ExerciseStatus;
  best: Score | null;
  attempts: number;
  lastAttemptAt: string | null;
};

export type Tally = { passed: number; total: number; points: number; maxPoints: number; attempts: number };

/** One graded attempt, for the chart of scores over time. */
export type Attempt = {
  submissionId: number;
  exerciseId: string;
  createdAt: string;
  status: "pass" | "fail";
  score: number;
  maxScore: number;
};

export type Dashboard = {
  overall: Tally & { inProgress: number };
  areas: (Tally & { id: string; title: string })[];
  exercises: (ExerciseProgress & { id: string; title: string; area: string; maxScore: number })[];
  /** Graded attempts, oldest first (the most recent HISTORY_LIMIT). */
  history: Attempt[];
};

export const HISTORY_LIMIT = 500;

type StatusRow = {
  exercise_id: string;
  attempts: number;
  last_at: string | null;
  passed: number;
  best: number | null;
  best_max: number | null;
};

const NOT_STARTED: ExerciseProgress = { status: "not_started", best: null, attempts: 0, lastAttemptAt: null };

/**
 * A learner's standing per exercise, read in one query whatever the catalog's size: the
 * catalog page shows it on every card, so it must not cost a query per exercise.
 */
export class Progress {
  constructor(
    private db: Database,
    private catalog: Catalog,
  ) {}

  /** Exercises the user never opened are absent (read them as NOT_STARTED). */
  byExercise(userId: number): Map<string, ExerciseProgress> {
    // A workspace exists from the first open, so "opened" counts as started. Grader errors
    // (the lab's fault, not the learner's) are attempts but never a score.
    const rows = this.db.all<StatusRow>(
      `SELECT w.exercise_id,
              count(s.id) AS attempts,
              max(s.created_at) AS last_at,
              coalesce(max(r.status = 'pass'), 0) AS passed,
              max(r.score) AS best,
              max(r.max_score) AS best_max
         FROM workspaces w
         LEFT JOIN submissions s ON s.workspace_id = w.id
         LEFT JOIN results r ON r.submission_id = s.id AND r.status <> 'error'
        WHERE w.user_id = ?
        GROUP BY w.exercise_id`,
      [userId],
    );
    return new Map(
      rows.map((r) => [
        r.exercise_id,
        {
          status: r.passed ? "passed" : "in_progress",
          best: r.best === null ? null : { score: r.best, maxScore: r.best_max ?? 0 },
          attempts: r.attempts,
          lastAttemptAt: r.last_at,
        },
      ]),
    );
  }

  of(map: Map<string, ExerciseProgress>, exerciseId: string): ExerciseProgress {
    return map.get(exerciseId) ?? NOT_STARTED;
  }

  /** Graded attempts, oldest first. */
  history(userId: number, limit = HISTORY_LIMIT): Attempt[] {
    const rows = this.db.all<{
      id: number;
      exercise_id: string;
      created_at: string;
      status: "pass" | "fail";
      score: number;
      max_score: number;
    }>(
      `SELECT s.id, s.exercise_id, s.created_at, r.status, r.score, r.max_score
         FROM submissions s JOIN results r ON r.submission_id = s.id
        WHERE s.user_id = ? AND r.status <> 'error'
        ORDER BY s.id DESC LIMIT ?`,
      [userId, limit],
    );
    return rows.reverse().map((r) => ({
      submissionId: r.id,
      exerciseId: r.exercise_id,
      createdAt: r.created_at,
      status: r.status,
      score: r.score,
      maxScore: r.max_score,
    }));
  }

  /** Who a staff view is about; undefined when there is no such user. */
  learner(userId: number): { id: number; email: string; displayName: string; role: string } | undefined {
    const row = this.db.get<{ id: number; email: string; display_name: string; role: string }>(
      "SELECT id, email, display_name, role FROM users WHERE id = ?",
      [userId],
    );
    return row && { id: row.id, email: row.email, displayName: row.display_name, role: row.role };
  }

  /** Per area and overall: exercises passed / total, best points / max points, attempts. */
  dashboard(userId: number): Dashboard {
    const map = this.byExercise(userId);
    const exercises = [...this.catalog.exercises.values()]
      .sort((a, b) => a.title.localeCompare(b.title))
      .map((e) => ({ id: e.id, title: e.title, area: e.area, maxScore: e.maxScore, ...this.of(map, e.id) }));
    const tally = (items: typeof exercises): Tally => ({
      passed: items.filter((e) => e.status === "passed").length,
      total: items.length,
      // Best points against today's catalog: an exercise's best counts at most its max.
      points: round(items.reduce((s, e) => s + Math.min(e.best?.score ?? 0, e.maxScore), 0)),
      maxPoints: round(items.reduce((s, e) => s + e.maxScore, 0)),
      attempts: items.reduce((s, e) => s + e.attempts, 0),
    });
    const areas = AREAS.map((a) => ({
      id: a.id as string,
      title: a.title as string,
      ...tally(exercises.filter((e) => e.area === a.id)),
    })).filter((a) => a.total > 0);
    return {
      overall: { ...tally(exercises), inProgress: exercises.filter((e) => e.status === "in_progress").length },
      areas,
      exercises,
      history: this.history(userId).filter((h) => this.catalog.exercises.has(h.exerciseId)),
    };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
