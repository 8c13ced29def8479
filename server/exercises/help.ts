import fs from "node:fs";
import path from "node:path";
import type { Database } from "../db/database.ts";
import { conflict, Problem } from "../errors.ts";
import type { Exercise } from "../../graders/exercise/catalog.ts";

/**
 * The help a learner can ask for on an exercise page: hints revealed one at a time (each
 * reveal recorded, so reviewers know how much help a score needed), and the reference
 * solution, unlocked only by a passing submission.
 */

export type RevealedHint = { index: number; text: string; revealedAt: string };
export type SolutionFile = { path: string; content: string };

/** What the reference solution may show: text files, small enough for a diff view. */
const SOLUTION_LIMITS = { maxFiles: 200, maxFileBytes: 256 * 1024 };

export class Help {
  constructor(private readonly db: Database) {}

  hints(userId: number, exercise: Exercise): { total: number; revealed: RevealedHint[] } {
    const rows = this.db.all<{ hint_index: number; revealed_at: string }>(
      "SELECT hint_index, revealed_at FROM hint_reveals WHERE user_id = ? AND exercise_id = ? ORDER BY hint_index",
      [userId, exercise.id],
    );
    const revealed = rows.filter((r) => r.hint_index < exercise.hints.length).map((r) => ({ index: r.hint_index, text: exercise.hints[r.hint_index]!, revealedAt: r.revealed_at }));
    return { total: exercise.hints.length, revealed };
  }

  /**
   * Reveals hint `index`, which must be the next one: asking again for one already shown
   * returns it unchanged (a double click or a retried request reveals nothing more).
   */
  reveal(userId: number, exercise: Exercise, index: number): { hint: RevealedHint; total: number; created: boolean } {
    return this.db.transaction(() => {
      const { revealed, total } = this.hints(userId, exercise);
      const shown = revealed.find((h) => h.index === index);
      if (shown) return { hint: shown, total, created: false };
      if (index >= total) throw conflict(total === 0 ? "This exercise has no hints." : `This exercise has ${total} hints; all are shown.`);
      if (index !== revealed.length) throw conflict(`Hints come in order: the next one is number ${revealed.length + 1}.`);
      const revealedAt = new Date().toISOString();
      this.db.run("INSERT INTO hint_reveals (user_id, exercise_id, hint_index, revealed_at) VALUES (?, ?, ?, ?)", [userId, exercise.id, index, revealedAt]);
      return { hint: { index, text: exercise.hints[index]!, revealedAt }, total, created: true };
    });
  }

  /** True once any of the learner's submissions for the exercise passed. */
  solutionUnlocked(userId: number, exerciseId: string): boolean {
    return !!this.db.get(
      "SELECT 1 FROM submissions s JOIN results r ON r.submission_id = s.id WHERE s.user_id = ? AND s.exercise_id = ? AND s.status = 'done' AND r.status = 'pass' LIMIT 1",
      [userId, exerciseId],
    );
  }

  /** The reference solution's text files, for a diff against the learner's; 403 before a pass. */
  solution(userId: number, exercise: Exercise): SolutionFile[] {
    if (!this.solutionUnlocked(userId, exercise.id)) {
      throw new Problem(403, "solution-locked", "Solution locked", "The reference solution unlocks after a passing submission.");
    }
    return readTextTree(path.join(exercise.dir, "solution"));
  }
}

/** Text files of an exercise folder (the catalog's own, trusted; links skipped all the same). */
function readTextTree(root: string): SolutionFile[] {
  const out: SolutionFile[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= SOLUTION_LIMITS.maxFiles) return;
      const p = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(abs, p);
        continue;
      }
      if (!entry.isFile() || fs.statSync(abs).size > SOLUTION_LIMITS.maxFileBytes) continue;
      const data = fs.readFileSync(abs);
      if (data.includes(0)) continue;
      out.push({ path: p, content: data.toString("utf8") });
    }
  };
  walk(root, "");
  return out;
}
