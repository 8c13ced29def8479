import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../server/config.ts";
import { loadExercise } from "../server/exercises/catalog.ts";
import { BwrapDriver } from "../server/sandbox/bwrap/driver.ts";
import { ensureRuntime } from "../server/setup/runtime.ts";
import { GRADING_UID_BASE } from "../server/workspaces/service.ts";
import { grade } from "./run.ts";

/**
 * Exercism's test-runner contract: grade <in-dir> as a submission of the exercise in
 * <exercise-dir> and write <out-dir>/results.json. Exit 0 unless the grader itself broke.
 */
export async function gradeFolder(exerciseDir: string, inDir: string, outDir: string, runtimesRoot = loadConfig().runtimeDir): Promise<number> {
  const loaded = loadExercise(exerciseDir, path.basename(path.dirname(exerciseDir)), path.basename(exerciseDir));
  if ("problems" in loaded) {
    for (const p of loaded.problems) process.stderr.write(`${p.path}: ${p.field ? p.field + ": " : ""}${p.message}\n`);
    return 2;
  }
  const { exercise } = loaded;
  const runtime = ensureRuntime(runtimesRoot, exercise.runtime);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-grade-"));
  fs.chmodSync(scratch, 0o711);
  const token = crypto.randomBytes(4).toString("hex");
  const driver = new BwrapDriver({ stateDir: scratch, runtimes: () => runtime, labId: `cli-${token}` });
  const status = await driver.available();
  if (!status.ok) {
    process.stderr.write(`${status.reason}. Fix: ${status.fix}\n`);
    return 2;
  }
  try {
    const results = await grade({ exercise, submissionDir: inDir, workDir: path.join(scratch, "run"), driver, uid: GRADING_UID_BASE + (process.pid % 100_000), name: `cli-${token}` });
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
    process.stdout.write(`${results.status}: ${results.score} / ${results.max_score} (${results.duration_ms} ms)\n`);
    return results.status === "error" ? 1 : 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
