import path from "node:path";
import { grade } from "../../graders/run.ts";
import { ROOT_DIR } from "../config.ts";
import { loadExercise } from "../exercises/catalog.ts";
import type { Harness } from "./harness.ts";
import type { Row } from "./report.ts";
import { distribution, time } from "./stats.ts";

/** Grading the token-bucket reference solution end to end (fresh sandbox, vitest, results). */
export async function gradingRows(h: Harness, n: number): Promise<Row[]> {
  const exDir = path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket");
  const loaded = loadExercise(exDir, "code-patterns", "token-bucket");
  if ("problems" in loaded) throw new Error("the token-bucket exercise is broken");
  let tests = 0;
  const ms = await time(n, async (i) => {
    const r = await grade({ exercise: loaded.exercise, submissionDir: path.join(exDir, "solution"), workDir: h.scratch(`grade-${i}`), driver: h.driver, uid: h.uid(), name: `grade-${i}` });
    if (r.status !== "pass") throw new Error(`the reference solution did not pass: ${r.message}`);
    tests = r.tests.length;
  });
  return [{ driver: h.kind, metric: `grade token-bucket solution (${tests} tests)`, unit: "ms", ...distribution(ms) }];
}
