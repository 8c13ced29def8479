// Runs INSIDE the grading sandbox, loaded by vitest. Writes one JSON line per event to
// /grader/out/results.ndjson as it happens, so a run killed by the wall clock still tells
// which tests finished and which one was running.
import fs from "node:fs";

const OUT = "/grader/out/results.ndjson";
const MAX_OUTPUT = 4000; // per test, before the host truncates to what the learner sees

function emit(record) {
  fs.appendFileSync(OUT, JSON.stringify(record) + "\n");
}

function errorText(errors) {
  if (!errors || errors.length === 0) return null;
  return errors.map((e) => [e.name && e.name !== "Error" ? `${e.name}: ${e.message}` : e.message, e.diff].filter(Boolean).join("\n")).join("\n\n");
}

export default class BacklabReporter {
  output = new Map();

  onInit() {
    emit({ type: "init" });
  }

  onTestModuleCollected(mod) {
    emit({ type: "collected", file: mod.relativeModuleId, tests: [...mod.children.allTests()].map((t) => ({ id: t.id, name: t.fullName })) });
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
    emit({
      type: "result",
      id: test.id,
      state: r.state,
      message: errorText(r.errors),
      output: this.output.get(test.id) ?? null,
      duration: test.diagnostic()?.duration ?? null,
    });
  }

  onTestModuleEnd(mod) {
    // Where the time went (graders/results.ts `test-file`): import, setup and the tests.
    const d = mod.diagnostic();
    emit({ type: "file-time", file: mod.relativeModuleId, ms: d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration, at: Date.now() });
    const errors = mod.errors();
    if (errors.length) emit({ type: "module-error", file: mod.relativeModuleId, message: errorText(errors) });
  }

  onTestRunEnd(_modules, unhandled, reason) {
    emit({ type: "end", reason, unhandled: errorText(unhandled) });
  }
}
