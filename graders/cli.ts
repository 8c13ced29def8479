import fs from "node:fs";
import path from "node:path";
import { loadExercise } from "./exercise/catalog.ts";
import { withDriver } from "./authoring.ts";
import type { OpenDriver } from "./sandbox/port.ts";

/**
 * Exercism's test-runner contract: grade <in-dir> as a submission of the exercise in
 * <exercise-dir> and write <out-dir>/results.json. Exit 0 unless the grader itself broke.
 */
export async function gradeFolder(
  exerciseDir: string,
  inDir: string,
  outDir: string,
  openDriver: OpenDriver,
): Promise<number> {
  const loaded = loadExercise(exerciseDir, path.basename(path.dirname(exerciseDir)), path.basename(exerciseDir));
  if ("problems" in loaded) {
    for (const p of loaded.problems) process.stderr.write(`${p.path}: ${p.field ? p.field + ": " : ""}${p.message}\n`);
    return 2;
  }
  const results = await withDriver(openDriver, (grade) => grade(loaded.exercise, inDir));
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
  process.stdout.write(`${results.status}: ${results.score} / ${results.max_score} (${results.duration_ms} ms)\n`);
  return results.status === "error" ? 1 : 0;
}
