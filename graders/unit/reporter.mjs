// Runs INSIDE the grading sandbox, loaded by vitest. Writes one JSON line per event to
// /grader/out/results.ndjson as it happens, so a run killed by the wall clock still tells
// which tests finished and which one was running. This is vitest's main process: no
// submission code runs here, and it alone writes the verdicts the host reads.
import crypto from "node:crypto";
import fs from "node:fs";

const OUT = "/grader/out/results.ndjson";
const MAX_OUTPUT = 4000; // per test, before the host truncates to what the learner sees

function emit(record) {
  fs.appendFileSync(OUT, JSON.stringify(record) + "\n");
}

function errorText(errors) {
  if (!errors || errors.length === 0) return null;
  return errors
    .map((e) =>
      [e.name && e.name !== "Error" ? `${e.name}: ${e.message}` : e.message, e.diff].filter(Boolean).join("\n"),
    )
    .join("\n\n");
}

export default class BacklabReporter {
  output = new Map();

  /** `key`: the run's verdict key (vitest.config.mjs); a pass needs the runner's tag for it. */
  constructor(options = {}) {
    this.key = typeof options.key === "string" ? options.key : null;
  }

  /**
   * vitest's state says passed AND runner.mjs tagged the test: its function resolved. The
   * state alone is what the worker reports, and the worker runs the submission.
   */
  confirmed(test, state) {
    if (state !== "passed" || this.key === null) return state;
    const given = test.meta()?.backlab;
    const want = crypto.createHmac("sha256", this.key).update(`pass:${test.id}`).digest("hex");
    return typeof given === "string" &&
      given.length === want.length &&
      crypto.timingSafeEqual(Buffer.from(given), Buffer.from(want))
      ? "passed"
      : "failed";
  }

  onInit() {
    emit({ type: "init" });
  }

  onTestModuleCollected(mod) {
    emit({
      type: "collected",
      file: mod.relativeModuleId,
      tests: [...mod.children.allTests()].map((t) => ({ id: t.id, name: t.fullName })),
    });
  }

  onTestCaseReady(test) {
    emit({ type: "start", id: test.id });
  }

  onUserConsoleLog(log) {
    if (!log.taskId) return;
    const prev = this.output.get(log.taskId) ?? "";
    if (prev.length < MAX_OUTPUT) this.output.set(log.taskId, (prev + log.content).slice(0, MAX_OUTPUT + 1));
  }

  onTestCaseResult(test) {
    const r = test.result();
    const state = this.confirmed(test, r.state);
    emit({
      type: "result",
      id: test.id,
      state,
      message:
        state === r.state
          ? errorText(r.errors)
          : "The grader could not confirm that this test's function finished without an error.",
      output: this.output.get(test.id) ?? null,
      duration: test.diagnostic()?.duration ?? null,
    });
  }

  onTestModuleEnd(mod) {
    // Where the time went (graders/results.ts `test-file`): import, setup and the tests.
    const d = mod.diagnostic();
    emit({
      type: "file-time",
      file: mod.relativeModuleId,
      ms: d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration,
      at: Date.now(),
    });
    const errors = mod.errors();
    if (errors.length) emit({ type: "module-error", file: mod.relativeModuleId, message: errorText(errors) });
  }

  onTestRunEnd(_modules, unhandled, reason) {
    emit({ type: "end", reason, unhandled: errorText(unhandled) });
  }
}
