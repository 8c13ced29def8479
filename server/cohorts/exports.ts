import type { Database } from "../db/database.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import type { Cohorts } from "./service.ts";

/**
 * Cohort results for gradebooks: one row per learner × exercise (CSV), one row per learner
 * with a column per exercise and a points-possible row (the wide layout LMS gradebooks
 * import), and JSON with both.
 */

type Cell = {
  user_id: number;
  exercise_id: string;
  best: number | null;
  attempts: number;
  first_pass_at: string | null;
};
type Learner = { id: number; display_name: string; email: string };

export type CohortExport = {
  cohort: { id: number; name: string; startsAt: string | null; endsAt: string | null };
  exercises: { id: string; title: string; pointsPossible: number }[];
  learners: {
    id: number;
    displayName: string;
    email: string;
    results: {
      exerciseId: string;
      bestScore: number | null;
      pointsPossible: number;
      attempts: number;
      firstPassAt: string | null;
    }[];
    total: number;
  }[];
};

export function cohortExport(db: Database, catalog: Catalog, cohorts: Cohorts, cohortId: number): CohortExport {
  const c = cohorts.row(cohortId);
  const exercises = cohorts.track(cohortId).map((t) => ({
    id: t.exerciseId,
    title: t.title,
    pointsPossible: catalog.exercises.get(t.exerciseId)?.maxScore ?? 0,
  }));
  const learners = db.all<Learner>(
    "SELECT u.id, u.display_name, u.email FROM cohort_members m JOIN users u ON u.id = m.user_id WHERE m.cohort_id = ? ORDER BY u.display_name COLLATE NOCASE, u.id",
    [cohortId],
  );
  const cells = db.all<Cell>(
    `SELECT s.user_id, s.exercise_id, max(r.score) AS best, count(s.id) AS attempts,
            min(CASE WHEN r.status = 'pass' THEN s.created_at END) AS first_pass_at
       FROM submissions s JOIN cohort_members m ON m.user_id = s.user_id AND m.cohort_id = ?
       JOIN cohort_track t ON t.cohort_id = m.cohort_id AND t.exercise_id = s.exercise_id
       LEFT JOIN results r ON r.submission_id = s.id AND r.status <> 'error'
      GROUP BY s.user_id, s.exercise_id`,
    [cohortId],
  );
  const byCell = new Map(cells.map((x) => [`${x.user_id}:${x.exercise_id}`, x]));
  return {
    cohort: { id: c.id, name: c.name, startsAt: c.starts_at, endsAt: c.ends_at },
    exercises,
    learners: learners.map((l) => {
      const results = exercises.map((e) => {
        const x = byCell.get(`${l.id}:${e.id}`);
        return {
          exerciseId: e.id,
          bestScore: x?.best ?? null,
          pointsPossible: e.pointsPossible,
          attempts: x?.attempts ?? 0,
          firstPassAt: x?.first_pass_at ?? null,
        };
      });
      return {
        id: l.id,
        displayName: l.display_name,
        email: l.email,
        results,
        total: results.reduce((s, r) => s + (r.bestScore ?? 0), 0),
      };
    }),
  };
}

/**
 * One CSV field. Quoted when needed; a leading =, +, -, @, tab or CR is defused with a
 * quote mark, so a spreadsheet never runs a display name as a formula (OWASP CSV injection).
 */
export function csvField(v: string | number | null): string {
  if (v === null) return "";
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (fields: (string | number | null)[]) => fields.map(csvField).join(",") + "\r\n";

export function resultsCsv(x: CohortExport): string {
  let out = line([
    "learner_id",
    "display_name",
    "email",
    "exercise_id",
    "exercise_title",
    "best_score",
    "points_possible",
    "attempts",
    "first_pass_at",
  ]);
  const title = new Map(x.exercises.map((e) => [e.id, e.title]));
  for (const l of x.learners)
    for (const r of l.results)
      out += line([
        l.id,
        l.displayName,
        l.email,
        r.exerciseId,
        title.get(r.exerciseId) ?? r.exerciseId,
        r.bestScore,
        r.pointsPossible,
        r.attempts,
        r.firstPassAt,
      ]);
  return out;
}

export function gradebookCsv(x: CohortExport): string {
  let out = line(["Student", "ID", "Email", ...x.exercises.map((e) => e.title), "Total"]);
  out += line([
    "Points Possible",
    "",
    "",
    ...x.exercises.map((e) => e.pointsPossible),
    x.exercises.reduce((s, e) => s + e.pointsPossible, 0),
  ]);
  for (const l of x.learners)
    out += line([l.displayName, l.id, l.email, ...l.results.map((r) => r.bestScore), l.total]);
  return out;
}
