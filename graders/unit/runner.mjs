// Runs INSIDE the test worker: the test runner, loaded before any setup or test file.
// A test counts as passed only when its function resolved without an error, and only this
// runner can say so: it tags such a test with an HMAC of the test's id under a per-run key
// that vitest's main process provides (vitest.config.mjs) and the reporter checks. The key
// is taken out of the worker's provided context before any submission code runs and then
// lives only in this module's closure; the worker's permission model rules out reading it
// through /proc, the inspector or a native addon. So a submission that rewrites a task's
// state, registers hooks, or writes forged frames to the channel to the main process still
// cannot make a failing test count (graders/unit/README.md).
//
// It also does the worker's two chores for the host, neither of which is trusted for a
// verdict: it hands each finished test to the main process at once (vitest batches task
// updates on a 100 ms timer, so a worker stuck in an endless loop would otherwise never
// report the tests it already finished), and it writes each test's start to progress.ndjson
// (so the host can name the test that was running when the wall clock stopped the run).
import crypto from "node:crypto";
import fs from "node:fs";
import { getFn } from "@vitest/runner";
import { TestRunner } from "vitest";
import { armImportGuard } from "./imports.mjs";

const state = globalThis.__vitest_worker__;
const KEY = state?.providedContext?.backlabVerdictKey;
// The mutation kind's import policy (imports.mjs), armed before the first setup or test file.
const IMPORT_POLICY = state?.providedContext?.backlabImportGuard;
if (state?.providedContext) {
  delete state.providedContext.backlabVerdictKey;
  delete state.providedContext.backlabImportGuard;
}
// Taken now, before any submission code could patch the fs module.
const append = fs.appendFileSync;
const PROGRESS = "/grader/out/progress.ndjson";

// The HMAC's own methods and its native handle's prototype, taken and frozen now, so later
// code can neither change what is signed nor read what is signed with.
const createHmac = crypto.createHmac;
const sample = createHmac("sha256", "k");
const hmacProto = Object.getPrototypeOf(sample);
const update = hmacProto.update;
const digest = hmacProto.digest;
// (Only a native handle's prototype: the HMAC's state object is a plain one, whose prototype is
// Object.prototype, which shield.mjs freezes later with its SES-style override accessors; a
// bare freeze here would make every `obj.toString = …` in a dependency throw.)
for (const sym of Object.getOwnPropertySymbols(sample)) {
  const handle = sample[sym];
  const proto = handle && typeof handle === "object" ? Object.getPrototypeOf(handle) : null;
  if (proto && proto !== Object.prototype) Object.freeze(proto);
}
Object.freeze(hmacProto);

function tag(id) {
  const h = createHmac("sha256", KEY);
  update.call(h, `pass:${id}`);
  return digest.call(h, "hex");
}

/** vitest's own files and the grader's (this runner among them: it holds the key) stay loaded. */
const KEEP = [/\/vitest\/dist\//, /vitest-virtual-\w+\/dist/, /@vitest\/[^/]+\/dist\//, /^\/grader\/[^/]+\.mjs$/];

/**
 * One worker runs every test file of a run (vitest.config.mjs `isolate: false`: a worker of
 * its own per file cost ~0.3 s of CPU each), yet each file starts from a fresh module graph,
 * as it would in a process of its own: the submission's modules are evaluated again, with
 * none of the state an earlier file left in them.
 */
function freshModules(modules) {
  modules?.idToModuleMap?.forEach((node, id) => {
    if (KEEP.some((re) => re.test(id))) return;
    node.promise = undefined;
    node.exports = undefined;
    node.evaluated = false;
    node.importers.clear();
  });
}

let files = 0;
let armed = false;

export default class BacklabRunner extends TestRunner {
  // (Not onCollectStart: vitest wraps that one by assignment, which a frozen prototype refuses.)
  importFile(filepath, source) {
    if (IMPORT_POLICY && !armed) {
      armImportGuard(this.moduleRunner, IMPORT_POLICY);
      armed = true;
    }
    if (source === "collect" && files++ > 0) {
      this.moduleRunner?.mocker?.reset();
      freshModules(this.workerState.evaluatedModules);
    }
    return super.importFile(filepath, source);
  }

  onBeforeTryTask(test) {
    append(PROGRESS, JSON.stringify({ type: "start", id: test.id }) + "\n");
    return super.onBeforeTryTask(test);
  }

  async runTask(test) {
    if (test.meta) delete test.meta.backlab;
    await getFn(test)();
    // Reached only when the test's function resolved; a soft assertion marks it failed.
    if (typeof KEY === "string" && test.result?.state !== "fail") test.meta.backlab = tag(test.id);
  }

  async onAfterRetryTask(test, info) {
    await super.onAfterRetryTask?.(test, info);
    this.workerState.rpc
      ?.onTaskUpdate([[test.id, test.result, test.meta]], [[test.id, "test-finished", undefined]])
      .catch(() => {});
  }
}
Object.freeze(BacklabRunner.prototype);
Object.freeze(BacklabRunner);
