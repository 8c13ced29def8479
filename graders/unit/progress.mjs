// Runs INSIDE the test worker (a vitest setup file), before the test files import the
// submission. The worker is where the submission's code runs, so nothing written here is
// trusted for a verdict (graders/unit/README.md): verdicts are what vitest's main process
// records (reporter.mjs). This file does two things for it:
// - it hands each finished test to the main process at once. vitest batches task updates
//   on a 100 ms timer, so a worker stuck in an endless loop would otherwise never report
//   the tests it already finished;
// - it writes each start to progress.ndjson, so the host can name the test that was running
//   when the wall clock stopped the run (a name only, never a point).
import fs from "node:fs";
import { beforeEach } from "vitest";

const OUT = "/grader/out/progress.ndjson";
// Captured before any submission code runs; vitest's own rpc() reads the same object.
const rpc = globalThis.__vitest_worker__?.rpc;

beforeEach(({ task, onTestFinished }) => {
  fs.appendFileSync(OUT, JSON.stringify({ type: "start", id: task.id }) + "\n");
  onTestFinished(({ task: t }) => {
    rpc?.onTaskUpdate([[t.id, t.result, t.meta]], [[t.id, "test-finished", undefined]]).catch(() => {});
  });
});
