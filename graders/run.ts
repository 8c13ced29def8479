import fs from "node:fs";
import path from "node:path";
import type { Exercise } from "./exercise/catalog.ts";
import type { SandboxDriver } from "./sandbox/port.ts";
import { removeTree } from "./sandbox/files.ts";
import { graderFor } from "./registry.ts";
import { capResults, graderError, joinStepMessages, summarize, type Results, type TestResult } from "./results.ts";
import { GradingTimer, timedDriver, type PhaseEvent } from "./timing.ts";

/** Host uids of grading sandboxes start here (the lab's workspaces use a range below). */
export const GRADING_UID_BASE = 600_000;

export type GradeProps = {
  exercise: Exercise;
  submissionDir: string;
  /** Scratch folder (host); created and removed here. */
  workDir: string;
  driver: SandboxDriver;
  uid: number;
  /** Unique name prefix for this run's sandboxes. */
  name: string;
  onProgress?: (event: GradeProgress) => void;
};

/** What the page shows while a submission is graded: "boot ✓, tests 7/20, probes 3/12". */
export type GradeProgress =
  | { type: "step"; index: number; name: string; kind: string; state: "running" }
  | { type: "step"; index: number; name: string; kind: string; state: "done"; passed: number; total: number }
  | { type: "test"; step: number; name: string; status: "pass" | "fail" }
  /** Inside a step: a sandbox starting, the service booting, a test file running (graders/results.ts PHASES). */
  | ({ type: "phase" } & PhaseEvent);

/**
 * Grades one submission: each step of exercise.yaml through its grader kind, all under the
 * exercise's wall time. Never throws: a broken grader becomes `status: "error"`.
 */
export async function grade(props: GradeProps): Promise<Results> {
  const started = Date.now();
  const timer = new GradingTimer(started, (e) => props.onProgress?.({ type: "phase", ...e }));
  const { exercise } = props;
  const deadline = started + exercise.limits.wall_seconds * 1000;
  const tests: TestResult[] = [];
  const messages: string[] = [];
  const shared = new Map<string, unknown>();
  const cleanups: (() => Promise<void>)[] = [];
  let results: Results;
  fs.mkdirSync(props.workDir, { recursive: true, mode: 0o755 });
  try {
    for (const [i, step] of exercise.grader.steps.entries()) {
      props.onProgress?.({ type: "step", index: i, name: step.name, kind: step.kind, state: "running" });
      const runDir = path.join(props.workDir, `step-${i}`);
      fs.mkdirSync(runDir, { mode: 0o755 });
      if (Date.now() >= deadline) {
        tests.push({
          name: step.name,
          status: "fail",
          message: `Not run: the time limit of ${exercise.limits.wall_seconds} s was reached.`,
          output: null,
          task_id: null,
          category: step.category,
          points: 0,
          max_points: step.points,
          duration_ms: null,
        });
        continue;
      }
      const onTest = (t: { name: string; status: "pass" | "fail" }) =>
        props.onProgress?.({ type: "test", step: i, ...t });
      const timing = timer.forStep(i);
      const driver = timedDriver(props.driver, timing);
      const outcome = await timing.time("step", step.name, () =>
        graderFor(step.kind).run({
          exercise,
          step,
          submissionDir: props.submissionDir,
          runDir,
          driver,
          uid: props.uid,
          sandboxName: `${props.name}-s${i}`,
          deadline,
          onTest,
          shared,
          onCleanup: (fn) => cleanups.push(fn),
          timing,
        }),
      );
      tests.push(...outcome.tests.map((t) => ({ ...t, task_id: t.task_id ?? i + 1 })));
      props.onProgress?.({
        type: "step",
        index: i,
        name: step.name,
        kind: step.kind,
        state: "done",
        passed: outcome.tests.filter((t) => t.status === "pass").length,
        total: outcome.tests.length,
      });
      if (outcome.message) messages.push(outcome.message);
    }
    results = summarize(tests, 0, joinStepMessages(messages));
  } catch (err) {
    results = graderError(`The grader could not run: ${(err as Error).message}`, 0, exercise.maxScore);
  }
  // The learner waits for this too: the result is stored only after grade() returns.
  await timer.time("teardown", null, null, async () => {
    for (const fn of cleanups) await fn().catch(() => {});
    removeTree(props.workDir);
  });
  return capResults({ ...results, duration_ms: Date.now() - started, timing: { phases: timer.phases } });
}
