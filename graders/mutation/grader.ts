import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { sandboxLimits } from "../exercise/fields.ts";
import { createWithServices } from "./services.ts";
import { copyTree, CopyLimitError, removeTree } from "../sandbox/files.ts";
import { runCapped } from "../sandbox/exec.ts";
import type { GradeContext, GraderKind, StepOutcome } from "../kind.ts";
import { splitPoints } from "../kind.ts";
import { checkTestsPath, isRealDir, listMutants, type Mutant } from "./mutants.ts";
import { checkMutationStep, MutationStep, mutationFolders } from "./step.ts";
import { truncate, type TestResult } from "../results.ts";
import { GRADER_FILES } from "../unit/grader.ts";
import { vitestConfig } from "./config.ts";
import { analyze, readVitestRecords, type RunReport } from "./records.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** graders/unit's reporter and in-worker progress file: the same records for both kinds. */
const UNIT = path.join(HERE, "..", "unit");

type Step = z.infer<typeof MutationStep>;

/**
 * A mutant's time budget is Stryker's default: 1.5 × the reference run + 5 s. A mutant that
 * makes the tests hang (an endless loop) is then killed by timeout without eating the time
 * of the mutants after it.
 */
const TIMEOUT_FACTOR = 1.5;
const TIMEOUT_EXTRA_MS = 5_000;
/** Below this much time left a run cannot even start; the mutant is reported "Not run". */
const MIN_RUN_MS = 1_000;

class TestsTooBig extends Error {}

/** The name of a compatible variant's test (see `compatible` in the step's schema). */
export const COMPATIBLE_LABEL = "Compatible change";

/**
 * `mutation`: grades the learner's TESTS. They run first against the exercise's reference
 * implementation (they must pass there), then against each hidden mutant (the reference with
 * a planted bug) in a fresh sandbox of its own; a mutant is killed when a test fails. Mutants
 * are copied only into the grader's scratch folder, never into the workspace, and the
 * learner sees a mutant's description, never its code or what the tests printed on it.
 * Compatible variants (optional) are laid out like mutants, but the tests must PASS on them:
 * they catch tests that check more than they are about, e.g. a whole-response snapshot.
 */
export const mutationGrader: GraderKind<typeof MutationStep> = {
  kind: "mutation",
  step: MutationStep,
  hidden: mutationFolders,
  check: checkMutationStep,
  async run(ctx: GradeContext<Step>): Promise<StepOutcome> {
    const { step, exercise } = ctx;
    const tests = checkTestsPath(step.tests);
    const reference = path.join(exercise.dir, step.reference);
    if (!isRealDir(reference))
      throw new Error(`the reference folder "${step.reference}" does not exist in the exercise`);
    const breaking = listMutants(path.join(exercise.dir, step.mutants), step.mutants, reference, tests, step.label);
    const compatible = step.compatible
      ? listMutants(path.join(exercise.dir, step.compatible), step.compatible, reference, tests, COMPATIBLE_LABEL)
      : [];
    // One scored test per variant: the mutants first, then the compatible ones.
    const mutants = [...breaking, ...compatible];
    const points = splitPoints(step.points, mutants.length);
    /** One mutant's scored test, reported to the live progress as it is decided. */
    const result = (i: number, pass: boolean, message: string, durationMs: number | null = null): TestResult => {
      ctx.onTest?.({ name: mutants[i]!.name, status: pass ? "pass" : "fail" });
      return {
        name: mutants[i]!.name,
        status: pass ? "pass" : "fail",
        message: truncate(message, 500),
        output: null,
        task_id: null,
        category: step.category,
        points: pass ? points[i]! : 0,
        max_points: points[i]!,
        duration_ms: durationMs === null ? null : Math.round(durationMs),
      };
    };
    const failAll = (message: string): StepOutcome => ({
      message: truncate(message, 2000),
      tests: mutants.map((_, i) => result(i, false, message)),
    });

    const learnerTests = findDir(ctx.submissionDir, tests);
    if (!learnerTests)
      return failAll(
        `No tests found: your workspace has no ${tests}/ folder. Write your tests there, in files named *.test.ts.`,
      );

    const grader = path.join(ctx.runDir, "grader");
    fs.mkdirSync(path.join(grader, "out"), { recursive: true, mode: 0o755 });
    for (const f of GRADER_FILES) fs.copyFileSync(path.join(UNIT, f), path.join(grader, f));
    fs.copyFileSync(path.join(HERE, "source-guard.mjs"), path.join(grader, "source-guard.mjs"));
    fs.writeFileSync(path.join(grader, "vitest.config.mjs"), vitestConfig(tests));

    let runs = 0;
    /** One vitest run in a fresh sandbox; `ownMs` caps the run itself (besides the deadline). */
    const runOnce = async (mutant: Mutant | null, ownMs: number) => {
      const dir = path.join(ctx.runDir, `run-${runs}`);
      const name = `${ctx.sandboxName}-${runs++}`;
      const work = path.join(dir, "work");
      const out = path.join(dir, "out");
      fs.mkdirSync(dir, { mode: 0o755 });
      // Order matters: the reference (without its own tests), then the mutant, and the
      // learner's tests last, so nothing is ever written through a link the learner made.
      copyTree(reference, work, { uid: ctx.uid, skip: (rel) => rel === tests || rel.startsWith(`${tests}/`) });
      if (mutant) overlay(mutant, work, ctx.uid);
      mkdirs(work, path.dirname(tests), ctx.uid);
      try {
        copyTree(learnerTests, path.join(work, tests), { uid: ctx.uid });
      } catch (err) {
        if (err instanceof CopyLimitError) throw new TestsTooBig(err.message);
        throw err;
      }
      fs.mkdirSync(out, { mode: 0o755 });
      fs.chownSync(out, ctx.uid, ctx.uid);
      const started = Date.now();
      const sandbox = await createWithServices(
        ctx.driver,
        {
          name,
          runtime: exercise.runtime,
          workspaceDir: work,
          mounts: [
            { source: grader, target: "/grader", readonly: true },
            { source: out, target: "/grader/out", readonly: false },
          ],
          limits: sandboxLimits(exercise.limits),
          uid: ctx.uid,
          network: "none",
        },
        Math.max(MIN_RUN_MS, ctx.deadline - Date.now()),
        exercise.services,
      );
      let run;
      const execStarted = Date.now();
      const left = ctx.deadline - execStarted;
      const cutByDeadline = left < ownMs;
      try {
        run = await runCapped(
          sandbox,
          [
            "node",
            "/node_modules/vitest/vitest.mjs",
            "run",
            "--config",
            "/grader/vitest.config.mjs",
            "--configLoader",
            "runner",
          ],
          { timeoutMs: Math.max(MIN_RUN_MS, Math.min(left, ownMs)) },
        );
      } finally {
        await sandbox.stop();
      }
      const execMs = Date.now() - execStarted;
      const report = analyze(readVitestRecords(out), run);
      removeTree(dir);
      return { report, execMs, cutByDeadline, totalMs: Date.now() - started };
    };

    // 1. The learner's tests on the reference: they must pass, or they prove nothing.
    let ref;
    try {
      ref = await runOnce(null, Infinity);
    } catch (err) {
      if (err instanceof TestsTooBig) return failAll(`Your ${tests}/ folder is too big to grade (${err.message}).`);
      throw err;
    }
    if (!ref.report.started && !ref.report.timedOut) throw vitestDidNotStart(ref.report);
    const refProblem = referenceProblem(ref.report, tests, exercise.limits.wall_seconds);
    if (refProblem) return failAll(refProblem);
    const knownNames = new Set(ref.report.names.values());

    // 2. Each mutant (then each compatible variant) in a fresh sandbox, one after the other,
    // within the wall time.
    const out: TestResult[] = [];
    let killed = 0;
    let accepted = 0;
    for (const [i, mutant] of mutants.entries()) {
      const left = ctx.deadline - Date.now();
      if (left < MIN_RUN_MS) {
        out.push(
          result(
            i,
            false,
            `Not run: time limit (the exercise allows ${exercise.limits.wall_seconds} s for all the runs).`,
          ),
        );
        continue;
      }
      const own = ref.execMs * TIMEOUT_FACTOR + TIMEOUT_EXTRA_MS;
      const m = await runOnce(mutant, own);
      const r = m.report;
      if (!r.started && !r.timedOut) throw vitestDidNotStart(r);
      const timing = { cutByDeadline: m.cutByDeadline, wallSeconds: exercise.limits.wall_seconds };
      if (i >= breaking.length) {
        const verdict = compatibleVerdict(r, knownNames, timing);
        if (verdict.pass) accepted++;
        out.push(result(i, verdict.pass, verdict.message, m.totalMs));
        continue;
      }
      const verdict = mutantVerdict(r, knownNames, timing);
      if (verdict.killed) killed++;
      out.push(result(i, verdict.killed, verdict.message, m.totalMs));
    }
    const notRun = out.filter((t) => t.message?.startsWith("Not run")).length;
    const alsoCompatible = compatible.length
      ? ` and pass on ${accepted} of ${compatible.length} compatible changes`
      : "";
    return {
      tests: out,
      message: `Your tests killed ${killed} of ${breaking.length} mutants${alsoCompatible}${notRun ? ` (${notRun} not run: time limit)` : ""}.`,
    };
  },
};

/** Writes the mutant's files over the reference copy (replacing, never writing through a link). */
function overlay(mutant: Mutant, work: string, uid: number): void {
  for (const f of mutant.files) {
    const d = path.join(work, f);
    mkdirs(work, path.dirname(f), uid);
    fs.rmSync(d, { force: true });
    fs.copyFileSync(path.join(mutant.dir, f), d, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(d, 0o644);
    fs.chownSync(d, uid, uid);
  }
}

/** `mkdir -p root/rel` for folders we create ourselves, refusing to pass through a link. */
function mkdirs(root: string, rel: string, uid: number): void {
  let at = root;
  for (const part of rel.split("/").filter((p) => p && p !== ".")) {
    at = path.join(at, part);
    const st = fs.lstatSync(at, { throwIfNoEntry: false });
    if (!st) {
      fs.mkdirSync(at, { mode: 0o755 });
      fs.chownSync(at, uid, uid);
    } else if (!st.isDirectory()) {
      throw new Error(`${at} is not a folder`);
    }
  }
}

/** The learner's folder `rel` of the submission, walking with lstat (no links), or null. */
function findDir(root: string, rel: string): string | null {
  let at = root;
  for (const part of rel.split("/")) {
    at = path.join(at, part);
    const st = fs.lstatSync(at, { throwIfNoEntry: false });
    if (!st || !st.isDirectory()) return null;
  }
  return at;
}

function vitestDidNotStart(r: RunReport): Error {
  return new Error(
    `the mutation grader could not start vitest (exit ${r.exit.code ?? r.exit.signal}): ${r.outputTail}`,
  );
}

/** “a”, “b” and “c”; past `max` names: “a”, “b”, “c” and 2 more. */
export function quoted(names: string[], max = 3): string {
  const q = names.slice(0, max).map((n) => `“${truncate(n, 120) ?? ""}”`);
  if (names.length > max) return `${q.join(", ")} and ${names.length - max} more`;
  return q.length > 1 ? `${q.slice(0, -1).join(", ")} and ${q.at(-1)}` : (q[0] ?? "");
}

/** Why the learner's tests do not pass on the reference, or null when they do. */
export function referenceProblem(r: RunReport, tests: string, wallSeconds: number): string | null {
  const lead = "Your tests fail on the reference implementation: ";
  const tail =
    " Tests that fail on correct code would fail on every mutant too, so they prove nothing; fix them first.";
  if (r.timedOut)
    return `${lead}the time limit of ${wallSeconds} s was reached${r.running ? ` while “${r.running}” was running` : ""}.${tail}`;
  if (r.outputLimited) return `${lead}the run printed more than 1 MB and was stopped.${tail}`;
  if (r.failed.length) {
    const first = r.failed[0]!;
    const why = first.message
      ? ` (${r.failed.length > 1 ? "the first: " : ""}${truncate(first.message.split("\n")[0], 200)})`
      : "";
    return `${lead}${quoted(r.failed.map((f) => f.name))} failed${why}.${tail}`;
  }
  if (r.moduleErrors.length) {
    const m = r.moduleErrors[0]!;
    return `${lead}${m.file} could not run (${truncate((m.message ?? "error").split("\n")[0], 200)}).${tail}`;
  }
  if (r.unhandled) return `${lead}an error escaped your tests (${truncate(r.unhandled.split("\n")[0], 200)}).${tail}`;
  if (!r.ended || r.exit.code !== 0) {
    if (r.total === 0) return `No tests found in ${tests}/: name your test files *.test.ts (or .js, .mjs).`;
    return `${lead}the test run stopped early (exit ${r.exit.code ?? r.exit.signal}).${tail}`;
  }
  if (r.total === 0) return `No tests found in ${tests}/: name your test files *.test.ts (or .js, .mjs).`;
  if (r.passed === 0)
    return `None of your tests ran (all ${r.total} are skipped or todo): remove .skip/.todo so they can catch bugs.`;
  return null;
}

/**
 * Killed or survived. Only names of tests that also ran on the reference are shown, and no
 * error message or output: what a test prints on a mutant could be the mutant's code.
 */
export function mutantVerdict(
  r: RunReport,
  knownNames: Set<string>,
  t: { cutByDeadline: boolean; wallSeconds: number },
): { killed: boolean; message: string } {
  if (r.timedOut) {
    if (t.cutByDeadline)
      return {
        killed: false,
        message: `Not finished: the time limit of ${t.wallSeconds} s for all the runs was reached while your tests ran on this mutant.`,
      };
    return {
      killed: true,
      message: `Killed (timed out): your tests did not finish on this mutant within ${TIMEOUT_FACTOR} × the time they took on the reference + ${TIMEOUT_EXTRA_MS / 1000} s.`,
    };
  }
  if (r.outputLimited)
    return { killed: true, message: "Killed (run stopped): your tests printed more than 1 MB on this mutant." };
  const named = r.failed.map((f) => f.name).filter((n) => knownNames.has(n));
  if (r.failed.length) {
    const hidden = r.failed.length - named.length;
    const unnamed = (k: number) => `${k} test${k > 1 ? "s" : ""} whose name changed with the mutant's code (not shown)`;
    if (named.length === 0) return { killed: true, message: `Killed: ${unnamed(hidden)} failed on this mutant.` };
    return {
      killed: true,
      message: `Killed: ${quoted(named)} failed on this mutant${hidden ? `, and ${unnamed(hidden)}` : ""}.`,
    };
  }
  if (r.moduleErrors.length)
    return {
      killed: true,
      message: `Killed: a test file (${
        r.moduleErrors
          .map((m) => m.file)
          .filter((f) => knownFiles(f))
          .join(", ") || "one of yours"
      }) failed to load on this mutant.`,
    };
  if (r.unhandled)
    return {
      killed: true,
      message: "Killed: an error escaped your tests on this mutant (an unhandled error or rejection).",
    };
  if (!r.ended || r.exit.code !== 0)
    return {
      killed: true,
      message: `Killed (run errored): the test run stopped early on this mutant (exit ${r.exit.code ?? r.exit.signal}).`,
    };
  const skipped = r.total - r.passed;
  const tests = `${r.passed === 1 ? "your only test passes" : `all ${r.passed} of your tests pass`}${skipped ? ` (${skipped} skipped)` : ""}`;
  return {
    killed: false,
    message: `Survived: ${tests} on this mutant, so they would not notice this bug. Add a test that checks the behaviour this mutant breaks.`,
  };
}

/**
 * A compatible variant passes when every test of the learner's passes on it too. Like a
 * mutant's, the verdict names only tests that also ran on the reference, and no output.
 */
export function compatibleVerdict(
  r: RunReport,
  knownNames: Set<string>,
  t: { cutByDeadline: boolean; wallSeconds: number },
): { pass: boolean; message: string } {
  const tail =
    " This change keeps everything your tests are about, so they should pass: check only what the code under test relies on.";
  if (r.timedOut) {
    if (t.cutByDeadline)
      return {
        pass: false,
        message: `Not finished: the time limit of ${t.wallSeconds} s for all the runs was reached while your tests ran on this change.`,
      };
    return {
      pass: false,
      message: `Your tests did not finish on this change within ${TIMEOUT_FACTOR} × the time they took on the reference + ${TIMEOUT_EXTRA_MS / 1000} s.${tail}`,
    };
  }
  if (r.outputLimited)
    return { pass: false, message: `Your tests printed more than 1 MB on this change and were stopped.${tail}` };
  const named = r.failed.map((f) => f.name).filter((n) => knownNames.has(n));
  if (r.failed.length)
    return {
      pass: false,
      message: `Your tests fail on this change: ${named.length ? quoted(named) : "tests whose names changed with it"} failed.${tail}`,
    };
  if (r.moduleErrors.length || r.unhandled || !r.ended || r.exit.code !== 0)
    return {
      pass: false,
      message: `Your test run broke on this change (a file failed to load, an error escaped, or the run stopped early).${tail}`,
    };
  return {
    pass: true,
    message: `Passed: ${r.passed === 1 ? "your only test passes" : `all ${r.passed} of your tests pass`} on this change, as they should.`,
  };
}

const knownFiles = (f: string) => /^[\w./-]+$/.test(f);
