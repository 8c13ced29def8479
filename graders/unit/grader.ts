import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { sandboxLimits } from "../exercise/fields.ts";
import { createWithin, type Sandbox } from "../sandbox/port.ts";
import { copyTree, CopyLimitError, DEFAULT_COPY_LIMITS } from "../sandbox/files.ts";
import type { GradeContext, GraderKind, StepOutcome } from "../kind.ts";
import { splitPoints } from "../kind.ts";
import { UnitStep } from "./step.ts";
import { unitConfig } from "./confinement.ts";
import { truncate, type TestResult } from "../results.ts";
import { runCapped } from "../sandbox/exec.ts";
import { readSandboxFile } from "../sandbox/read.ts";
import { timed } from "../timing.ts";
import { expectedTests, matchExpected, type ExpectedTest } from "./reference.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));

type Step = z.infer<typeof UnitStep>;
/** What reporter.mjs and runner.mjs write, one JSON object per line. */
export type VitestRecord =
  | { type: "init" }
  | { type: "collected"; file: string; tests: { id: string; name: string }[] }
  | { type: "start"; id: string }
  | {
      type: "result";
      id: string;
      state: string;
      message: string | null;
      output: string | null;
      duration: number | null;
    }
  | { type: "module-error"; file: string; message: string | null }
  | { type: "file-time"; file: string; ms: number; at: number }
  | { type: "end"; reason: string; unhandled: string | null };

/**
 * `unit`: runs the exercise's hidden vitest suites against a copy of the submission in a
 * fresh sandbox. The hidden tests are mounted read-only at /grader/tests from the exercise
 * folder's copy; they never pass through the learner's workspace.
 */
export const unitGrader: GraderKind<typeof UnitStep> = {
  kind: "unit",
  step: UnitStep,
  hidden: (step) => [{ field: "tests", dir: step.tests }],
  // Issue 12's target for a unit exercise's grading.
  gradingTarget: { p50Ms: 1000 },
  async run(ctx: GradeContext<Step>): Promise<StepOutcome> {
    const { runDir, step } = ctx;
    const work = path.join(runDir, "work");
    const dirs = await timed(ctx, "copy-in", () => {
      try {
        copyTree(ctx.submissionDir, work, { uid: ctx.uid });
      } catch (err) {
        if (err instanceof CopyLimitError) return err;
        throw err;
      }
      return prepareVitestDirs(runDir, path.join(ctx.exercise.dir, step.tests), ctx.uid);
    });
    if (dirs instanceof CopyLimitError) return tooBig(step, dirs.message);
    const expected = expectedTests(
      ctx,
      path.join(ctx.exercise.dir, step.tests),
      (d) => prepareVitestDirs(d, path.join(ctx.exercise.dir, step.tests), ctx.uid),
      graderMounts,
    );
    const sandbox = await createWithin(
      ctx.driver,
      {
        name: ctx.sandboxName,
        runtime: ctx.exercise.runtime,
        workspaceDir: work,
        mounts: graderMounts(dirs),
        limits: sandboxLimits(ctx.exercise.limits),
        uid: ctx.uid,
        network: "none",
      },
      Math.max(1000, ctx.deadline - Date.now()),
    );
    let run;
    try {
      run = await runVitest(sandbox, ctx.deadline, { out: dirs.out, onTest: ctx.onTest });
    } finally {
      await sandbox.stop();
    }
    const records = readVitestRecords(dirs.out);
    recordVitestTiming(ctx, records, run);
    return toOutcome(
      step,
      records,
      run,
      ctx.exercise.limits.wall_seconds,
      (await expected) ?? hiddenFiles(path.join(ctx.exercise.dir, step.tests)),
    );
  },
};

/**
 * The vitest run as phases: the process, its start-up until the first file began, and each
 * test file. The per-file figures come from inside the sandbox, so they are clamped to the
 * process's own span on the host; they explain time, they never score.
 */
export function recordVitestTiming(
  ctx: Pick<GradeContext, "timing">,
  records: VitestRecord[],
  run: { startedAt: number; endedAt: number },
  gateOpenedAt = 0,
): void {
  if (!ctx.timing) return;
  const { startedAt, endedAt } = run;
  ctx.timing.add("vitest", null, startedAt, endedAt);
  // Behind the service kind's gate a file waits for the boot: that wait is the boot's.
  const clamp = (t: number) => Math.min(endedAt, Math.max(startedAt, gateOpenedAt, t));
  let first = endedAt;
  for (const r of records) {
    if (
      r.type !== "file-time" ||
      typeof r.ms !== "number" ||
      typeof r.at !== "number" ||
      typeof r.file !== "string" ||
      !Number.isFinite(r.ms + r.at)
    )
      continue;
    const end = clamp(r.at);
    const start = clamp(r.at - r.ms);
    first = Math.min(first, start);
    ctx.timing.add("test-file", r.file, start, end);
  }
  // Without a finished file (a run cut off by the time limit) start-up cannot be told apart.
  if (first < endedAt) ctx.timing.add("vitest-start", null, startedAt, first);
}

/**
 * Without a reference list, at least every hidden test file counts: a file the run never
 * collected (the submission hung or died before it) is one failed test, never left out.
 */
function hiddenFiles(testsDir: string): { files: string[] } {
  const files: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (/\.test\.(ts|mts|js|mjs)$/.test(e.name)) files.push(`tests/${r}`);
    }
  };
  walk(testsDir, "");
  return { files };
}

/**
 * The copy into the sandbox is bounded (files and bytes, a sparse file counted at its
 * apparent size), so a huge workspace costs the lab a short walk, and the learner is told
 * why nothing ran.
 */
function tooBig(step: Step, why: string): StepOutcome {
  const { maxFiles, maxBytes } = DEFAULT_COPY_LIMITS;
  const message = `Your workspace is too big to grade (${why}): the grader copies at most ${maxFiles} files and ${Math.round(maxBytes / 1024 / 1024)} MB. Remove large or generated files (a node_modules/ folder counts too) and submit again.`;
  return {
    message,
    tests: [
      {
        name: step.name,
        status: "fail",
        message,
        output: null,
        task_id: null,
        category: step.category,
        points: 0,
        max_points: step.points,
        duration_ms: null,
      },
    ],
  };
}

/** The grader's files inside the sandbox (/grader), shared with the mutation kind. */
export const GRADER_FILES = ["reporter.mjs", "runner.mjs", "shield.mjs", "imports.mjs"];

export type VitestDirs = { grader: string; out: string };

/**
 * The grader's side of a vitest run, on the host: `grader/` (hidden tests, config, reporter;
 * mounted read-only at /grader) and `out/` (the only place the run may write its records;
 * mounted at /grader/out).
 */
export function prepareVitestDirs(
  runDir: string,
  testsSrc: string,
  uid: number,
  extra: (grader: string) => void = () => {},
): VitestDirs {
  const grader = path.join(runDir, "grader");
  const out = path.join(runDir, "out");
  fs.mkdirSync(grader, { mode: 0o755 });
  copyTree(testsSrc, path.join(grader, "tests"));
  fs.writeFileSync(
    path.join(grader, "vitest.config.mjs"),
    unitConfig(fs.readFileSync(path.join(HERE, "vitest.config.mjs"), "utf8")),
  );
  for (const f of GRADER_FILES) fs.copyFileSync(path.join(HERE, f), path.join(grader, f));
  fs.copyFileSync(path.join(HERE, "..", "service", "gate.mjs"), path.join(grader, "gate.mjs"));
  fs.mkdirSync(path.join(grader, "out"));
  extra(grader);
  fs.mkdirSync(out);
  fs.chownSync(out, uid, uid);
  return { grader, out };
}

export function graderMounts(dirs: VitestDirs) {
  return [
    { source: dirs.grader, target: "/grader", readonly: true },
    { source: dirs.out, target: "/grader/out", readonly: false },
  ];
}

export type TestProgress = (test: { name: string; status: "pass" | "fail" }) => void;

/**
 * Runs vitest with the grader's config inside a sandbox, under the deadline. With `onTest`,
 * each test is reported as it finishes (read from the main process's records as they grow).
 */
export async function runVitest(
  sandbox: Sandbox,
  deadline: number,
  opts: { env?: Record<string, string>; out?: string; onTest?: TestProgress; signal?: AbortSignal } = {},
) {
  let offset = 0;
  const names = new Map<string, string>();
  // A test's result can be recorded more than once (the worker hands it over at once, vitest
  // again in its batch); the page hears each test once, or again only if its verdict changed.
  const reported = new Map<string, string>();
  const tail = () => {
    if (!opts.out || !opts.onTest) return;
    const buf = readSandboxFile(path.join(opts.out, "results.ndjson"), { offset, max: 1024 * 1024 });
    if (!buf || buf.length === 0 || offset > 5 * 1024 * 1024) return;
    const text = buf.toString("utf8");
    const complete = text.lastIndexOf("\n") + 1;
    offset += Buffer.byteLength(text.slice(0, complete));
    for (const r of parseRecords(text.slice(0, complete))) {
      if (r.type === "collected") for (const t of r.tests ?? []) names.set(String(t.id), String(t.name));
      if (
        r.type === "result" &&
        names.has(r.id) &&
        (r.state === "passed" || r.state === "failed") &&
        reported.get(r.id) !== r.state
      ) {
        reported.set(r.id, r.state);
        opts.onTest({ name: names.get(r.id)!.slice(0, 200), status: r.state === "passed" ? "pass" : "fail" });
      }
    }
  };
  const timer = setInterval(tail, 250);
  const startedAt = Date.now();
  try {
    const run = await runCapped(
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
      {
        timeoutMs: Math.max(1000, deadline - Date.now()),
        env: opts.env,
        signal: opts.signal,
      },
    );
    return { ...run, startedAt, endedAt: Date.now() };
  } finally {
    clearInterval(timer);
    tail();
  }
}

/**
 * The run's records. Verdicts come only from results.ndjson, which vitest's main process
 * writes and the test worker (the submission's process) cannot: it runs under Node's
 * permission model. From the worker's own progress.ndjson only `start` is taken, to name the
 * test that was running when a run was stopped; it never awards a point.
 */
export function readVitestRecords(out: string): VitestRecord[] {
  const starts = readRecords(path.join(out, "progress.ndjson")).filter((r) => r.type === "start");
  return [...readRecords(path.join(out, "results.ndjson")), ...starts];
}

function readRecords(file: string): VitestRecord[] {
  // The sandbox can write anything here, links and FIFOs included: read it safely, bounded.
  return parseRecords(readSandboxFile(file)?.toString("utf8") ?? "");
}

function parseRecords(text: string): VitestRecord[] {
  const records: VitestRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as VitestRecord;
      if (r && typeof r === "object" && typeof r.type === "string") records.push(r);
    } catch {
      // partial last line of a killed run
    }
  }
  return records;
}

type Run = Awaited<ReturnType<typeof runCapped>>;

export function toOutcome(
  step: { name: string; category: Step["category"]; points: number },
  records: VitestRecord[],
  run: Run,
  wallSeconds: number,
  expected: ExpectedTest[] | { files: string[] } | null = null,
): StepOutcome {
  const category = step.category;
  if (!records.some((r) => r.type === "init")) {
    // vitest never started: the grader is broken, not the learner's code.
    throw new Error(
      `the unit grader could not start vitest (exit ${run.exit.code ?? run.exit.signal}): ${run.output.slice(-400)}`,
    );
  }
  const files = records.filter((r) => r.type === "collected").sort((a, b) => a.file.localeCompare(b.file));
  const results = new Map(records.filter((r) => r.type === "result").map((r) => [r.id, r]));
  // What is scored: the reference's tests when known (reference.ts), else what ran.
  const tests = Array.isArray(expected)
    ? matchExpected(expected, files, (id) => results.get(id)?.state === "passed")
    : files.flatMap((f) => f.tests.map((t) => ({ name: t.name, id: t.id as string | null, credited: true })));
  if (expected && !Array.isArray(expected) && tests.length > 0) {
    for (const file of expected.files)
      if (!files.some((f) => f.file === file && f.tests.length))
        tests.push({ name: `${file} (not run)`, id: null, credited: false });
  }
  const started = new Set(records.filter((r) => r.type === "start").map((r) => r.id));
  const moduleErrors = records.filter((r) => r.type === "module-error");
  const end = records.find((r) => r.type === "end");

  const stopped = run.exit.timedOut
    ? `the time limit of ${wallSeconds} s was reached`
    : run.outputLimited
      ? "the run printed more than 1 MB and was stopped"
      : !end
        ? `the test run stopped early (exit ${run.exit.code ?? run.exit.signal})`
        : null;

  if (tests.length === 0) {
    const why = moduleErrors.map((m) => `${m.file}: ${m.message ?? ""}`).join("\n") || stopped || "no tests were found";
    return {
      message: `The hidden tests could not run against your code: ${truncate(why, 300)}`,
      tests: [
        {
          name: step.name,
          status: "fail",
          message: truncate(why),
          output: truncate(run.output),
          task_id: null,
          category,
          points: 0,
          max_points: step.points,
          duration_ms: null,
        },
      ],
    };
  }

  const points = splitPoints(step.points, tests.length);
  const out: TestResult[] = tests.map((t, i) => {
    const r = t.id === null ? undefined : results.get(t.id);
    const max = points[i]!;
    if (!r || r.state === "pending") {
      const running = t.id !== null && started.has(t.id);
      const message = stopped
        ? running
          ? `Timed out: this test was still running when ${stopped}.`
          : `Not run: ${stopped}.`
        : "Not run.";
      return {
        name: t.name,
        status: "fail",
        message,
        output: null,
        task_id: null,
        category,
        points: 0,
        max_points: max,
        duration_ms: null,
      };
    }
    const pass = r.state === "passed" && t.credited;
    const why =
      r.state === "passed"
        ? "Not counted: your code registered tests of the same name."
        : (r.message ?? (r.state === "skipped" ? "Skipped." : "Failed."));
    return {
      name: t.name,
      status: pass ? "pass" : "fail",
      message: pass ? null : truncate(why, 500),
      output: truncate(r.output),
      task_id: null,
      category,
      points: pass ? max : 0,
      max_points: max,
      duration_ms: r.duration === null ? null : Math.round(r.duration),
    };
  });
  const message = stopped
    ? `Stopped: ${stopped}.`
    : moduleErrors.length
      ? truncate(moduleErrors.map((m) => m.message).join("\n"), 500)
      : null;
  return { tests: out, message };
}
