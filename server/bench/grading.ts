import path from "node:path";
import { grade } from "../../graders/run.ts";
import { ROOT_DIR } from "../config.ts";
import { loadExercise, type Exercise } from "../../graders/exercise/catalog.ts";
import { bootRows, TimedDriver } from "./boot.ts";
import type { DriverKind, Harness } from "./harness.ts";
import type { Row } from "./report.ts";
import { distribution, quantile, round } from "./stats.ts";

/** The issue's target for a service exercise with ~20 tests and probes (wall time of `grade()`). */
export const SERVICE_TARGET = { p50Ms: 3000, p95Ms: 6000 };

/** One demo exercise per grader kind; `target` applies the service target to it. */
const EXERCISES: { ref: string; target?: boolean }[] = [
  { ref: "code-patterns/token-bucket" },
  { ref: "observability/logs-metrics-traces" },
  { ref: "security/vulnerable-notes", target: true },
  { ref: "authentication/refresh-rotation", target: true },
  { ref: "testing/pricing-mutants" },
  { ref: "devops/dockerfile-review" },
];

/** Samples per exercise (by `area/slug`) and per boot; sized so the section stays near 6 minutes on 2 cores. */
export type GradingPlan = { grade: Record<string, number>; boot: number };

export const GRADING_PLAN: Record<DriverKind, GradingPlan> = {
  bwrap: {
    grade: { "code-patterns/token-bucket": 5, "observability/logs-metrics-traces": 5, "security/vulnerable-notes": 5, "authentication/refresh-rotation": 5, "testing/pricing-mutants": 3, "devops/dockerfile-review": 5 },
    boot: 8,
  },
  // Docker: 3 samples of the two service + security exercises (~10 s a grade here, 5 would add ~40 s).
  docker: {
    grade: { "code-patterns/token-bucket": 5, "observability/logs-metrics-traces": 5, "security/vulnerable-notes": 3, "authentication/refresh-rotation": 3, "testing/pricing-mutants": 3, "devops/dockerfile-review": 5 },
    boot: 8,
  },
};

/** One benchmark of the grading section; run.ts runs each as its own section (a failure is one error row). */
export type BenchJob = { metric: string; run: () => Promise<Row[]> };

/**
 * Grading on one driver: each demo exercise's `solution/` graded n times end to end with
 * `grade()` (fresh sandboxes, hidden tests, probes, mutants, results), then the service
 * boot-to-ready time. Each grade gets its own scratch folder, uid and sandbox names.
 */
export function gradingJobs(h: Harness, plan: GradingPlan = GRADING_PLAN[h.kind]): BenchJob[] {
  const jobs: BenchJob[] = EXERCISES.filter((e) => (plan.grade[e.ref] ?? 0) > 0).map((e) => ({
    metric: `grade ${slug(e.ref)}`,
    run: async () => [await gradeRow(h, e.ref, plan.grade[e.ref]!, e.target ?? false)],
  }));
  if (plan.boot > 0) {
    for (const ref of ["observability/logs-metrics-traces", "security/vulnerable-notes"]) {
      jobs.push({ metric: `boot ${slug(ref)}`, run: async () => [await bootRows(h, demoExercise(ref), plan.boot)] });
    }
  }
  return jobs;
}

export function demoExercise(ref: string): Exercise {
  const [area, id] = ref.split("/") as [string, string];
  const loaded = loadExercise(path.join(ROOT_DIR, "exercises", area, id), area, id);
  if ("problems" in loaded) throw new Error(`the ${ref} exercise is broken: ${loaded.problems.map((p) => `${p.field} ${p.message}`).join("; ")}`);
  return loaded.exercise;
}

const slug = (ref: string) => ref.split("/")[1]!;

/**
 * Per grade: wall time of each step (from the progress events), the time its tests report for
 * themselves (the rest of a step is booting, starting vitest or the probe runner, sandboxes),
 * the sandboxes' create/stop time and each test's own time.
 */
type Sample = { ms: number; steps: number[]; inTests: number[]; creates: number; createMs: number; stopMs: number; tests: Map<string, number> };

async function gradeRow(h: Harness, ref: string, n: number, target: boolean): Promise<Row> {
  const exercise = demoExercise(ref);
  const kinds = exercise.grader.steps.map((s) => s.kind);
  const samples: Sample[] = [];
  const tests: number[] = exercise.grader.steps.map(() => 0);
  const id = slug(ref).slice(0, 12);
  for (let i = 0; i < n; i++) {
    const timed = new TimedDriver(h.driver);
    const stepStart: number[] = [];
    const steps: number[] = [];
    const t0 = performance.now();
    const r = await grade({
      exercise,
      submissionDir: path.join(exercise.dir, "solution"),
      workDir: h.scratch(`grade-${id}-${i}`),
      driver: timed,
      uid: h.uid(),
      name: `g-${id}-${i}`,
      onProgress: (e) => {
        if (e.type !== "step") return;
        if (e.state === "running") stepStart[e.index] = performance.now();
        else {
          steps[e.index] = performance.now() - stepStart[e.index]!;
          tests[e.index] = e.total;
        }
      },
    });
    const ms = performance.now() - t0;
    if (r.status !== "pass") {
      const failed = r.tests.filter((t) => t.status !== "pass").map((t) => `${t.name}: ${t.message ?? ""}`);
      throw new Error(`the ${ref} solution did not pass (${r.status}): ${[r.message, ...failed].filter(Boolean).join(" | ").slice(0, 600)}`);
    }
    const testMs = new Map(r.tests.filter((t) => t.duration_ms !== null).map((t) => [t.name, t.duration_ms!]));
    const inTests = kinds.map((_, j) => r.tests.filter((t) => t.task_id === j + 1).reduce((sum, t) => sum + (t.duration_ms ?? 0), 0));
    samples.push({ ms, steps, inTests, creates: timed.creates, createMs: timed.createMs, stopMs: timed.stopMs, tests: testMs });
  }
  const d = distribution(samples.map((s) => s.ms));
  const med = (xs: number[]) => quantile(xs, 0.5);
  const secs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${round(ms / 1000)} s`);
  const what = (k: string, count: number) => `${count} ${k === "mutation" ? "mutant" : k === "security" ? "probe" : k === "static" ? "rule" : "test"}${count === 1 ? "" : "s"}`;
  const stepNotes = kinds.map((k, j) => `${k} ${what(k, tests[j]!)} ${secs(med(samples.flatMap((s) => s.steps[j] ?? [])))}${k === "static" ? "" : ` (tests themselves ${secs(med(samples.map((s) => s.inTests[j]!)))})`}`);
  const creates = samples[0]!.creates;
  const sandboxes = creates === 0 ? "no sandbox" : `${creates} sandbox${creates > 1 ? "es" : ""} a grade, creating them ${Math.round(med(samples.map((s) => s.createMs)))} ms, stopping ${Math.round(med(samples.map((s) => s.stopMs)))} ms`;
  const total = tests.reduce((a, b) => a + b, 0);
  const slowest = [...samples[0]!.tests.keys()].map((name) => ({ name, ms: med(samples.flatMap((s) => s.tests.get(name) ?? [])) })).sort((a, b) => b.ms - a.ms)[0];
  const slow = slowest && slowest.ms >= 100 ? `; slowest test "${slowest.name.length > 48 ? `${slowest.name.slice(0, 47)}…` : slowest.name}" ${Math.round(slowest.ms)} ms` : "";
  const targetFields = target ? { target: `p50 ≤ ${SERVICE_TARGET.p50Ms} ms, p95 ≤ ${SERVICE_TARGET.p95Ms} ms`, met: d.p50 <= SERVICE_TARGET.p50Ms && d.p95 <= SERVICE_TARGET.p95Ms } : {};
  return {
    driver: h.kind,
    metric: `grade ${slug(ref)} solution (${total} tests)`,
    unit: "ms",
    ...d,
    ...targetFields,
    note: `steps (p50): ${stepNotes.join(" + ")}; ${sandboxes}${slow}`,
  };
}
