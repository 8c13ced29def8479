// Runs INSIDE the test worker: the test runner, loaded before any setup or test file.
// A test counts as passed only when its function resolved without an error, and only this
// runner can say so: it tags such a test with an HMAC of the test's id under a per-run key
// that vitest's main process provides (vitest.config.mjs) and the reporter checks. The key
// is taken out of the worker's provided context before any submission code runs and then
// lives only in this module's closure; the worker's permission model rules out reading it
// through /proc, the inspector or a native addon. So a submission that rewrites a task's
// state, registers hooks, or writes forged frames to the channel to the main process still
// cannot make a failing test count (graders/unit/README.md).
import crypto from "node:crypto";
import { getFn } from "@vitest/runner";
import { TestRunner } from "vitest";

const state = globalThis.__vitest_worker__;
const KEY = state?.providedContext?.backlabVerdictKey;
if (state?.providedContext) delete state.providedContext.backlabVerdictKey;

// The HMAC's own methods and its native handle's prototype, taken and frozen now, so later
// code can neither change what is signed nor read what is signed with.
const createHmac = crypto.createHmac;
const sample = createHmac("sha256", "k");
const hmacProto = Object.getPrototypeOf(sample);
const update = hmacProto.update;
const digest = hmacProto.digest;
for (const sym of Object.getOwnPropertySymbols(sample)) {
  const handle = sample[sym];
  if (handle && typeof handle === "object") Object.freeze(Object.getPrototypeOf(handle));
}
Object.freeze(hmacProto);

function tag(id) {
  const h = createHmac("sha256", KEY);
  update.call(h, `pass:${id}`);
  return digest.call(h, "hex");
}

export default class BacklabRunner extends TestRunner {
  async runTask(test) {
    if (test.meta) delete test.meta.backlab;
    await getFn(test)();
    // Reached only when the test's function resolved; a soft assertion marks it failed.
    if (typeof KEY === "string" && test.result?.state !== "fail") test.meta.backlab = tag(test.id);
  }
}
Object.freeze(BacklabRunner.prototype);
Object.freeze(BacklabRunner);
