// Runs INSIDE the test worker (a vitest setup file). The reporter hears about tests in
// batches from the worker, so a worker stuck in an endless loop never reports the tests it
// already finished; this file writes each start and finish synchronously from the worker.
import fs from "node:fs";
import { beforeEach } from "vitest";

const OUT = "/grader/out/progress.ndjson";

beforeEach(({ task, onTestFinished }) => {
  fs.appendFileSync(OUT, JSON.stringify({ type: "start", id: task.id }) + "\n");
  onTestFinished(({ task: t }) => {
    const errors = t.result?.errors ?? [];
    fs.appendFileSync(OUT, JSON.stringify({ type: "finish", id: t.id, name: fullName(t), state: t.result?.state ?? "unknown", message: errors.map((e) => e.message).join("\n") || null }) + "\n");
  });
});

/** "suite > test", as the reporter names tests (the file's own suite is not part of it). */
function fullName(task) {
  const names = [];
  for (let t = task; t && t !== task.file; t = t.suite) names.unshift(t.name);
  return names.join(" > ");
}
