import type { z } from "zod";
import type { Exercise } from "./exercise/catalog.ts";
import type { ExerciseSpec } from "./exercise/schema.ts";
import type { StepBase } from "./exercise/fields.ts";
import type { TestResult } from "./results.ts";
import type { SandboxDriver } from "./sandbox/port.ts";
import type { StepTimer } from "./timing.ts";

/** What every kind's step has: the common fields (name, category), its `kind` and its `points`. */
export type StepFields = z.infer<typeof StepBase> & { kind: string; points: number };

/** A kind's step schema: `StepBase.extend({ kind: z.literal(…), points, … })`. */
export type StepSchema = z.ZodType<StepFields>;

export type GradeContext<S = StepFields> = {
  exercise: Exercise;
  step: S;
  /** The submission's files on the host (a snapshot; never the live workspace). */
  submissionDir: string;
  /** Scratch folder for this step on the host; removed afterwards. */
  runDir: string;
  driver: SandboxDriver;
  /** Host uid for the grading sandbox. */
  uid: number;
  sandboxName: string;
  /** Epoch ms by which the step must be done (the exercise's wall time). */
  deadline: number;
  /** Live progress: a test of this step finished. */
  onTest?: (test: { name: string; status: "pass" | "fail" }) => void;
  /** State the steps of one grading share (the booted service), and its cleanup. */
  shared?: Map<string, unknown>;
  onCleanup?: (fn: () => Promise<void>) => void;
  /** Where this step's time goes (`Results.timing`); sandbox create/stop are recorded by the driver. */
  timing?: StepTimer;
};

export type StepOutcome = { tests: TestResult[]; message: string | null };

/** Where a load-time check runs: the exercise's folder, its parsed spec, and the step's path in it. */
export type LoadCheck = { dir: string; spec: ExerciseSpec; where: string };

/** A problem a load-time check found; `field` is the full path in exercise.yaml. */
export type StepProblem = { field: string; message: string };

/**
 * A grader kind, like CTFd's challenge types: it owns its step of exercise.yaml (the schema,
 * what a load-time check must refuse, the hidden folders it reads) and turns one step into
 * scored tests. The core (graders/run.ts, the lab's queue) keeps wall time, storage and
 * scoring; nothing outside a kind's folder and the one line in graders/registry.ts knows it.
 */
export interface GraderKind<S extends StepSchema = StepSchema> {
  readonly kind: z.infer<S>["kind"];
  /** The step's schema in exercise.yaml (`kind: z.literal(…)` and its own fields). */
  readonly step: S;
  /**
   * The exercise folders the step reads that the learner never sees (hidden tests, mutants,
   * variants), by the field that names them. Each must exist when the exercise loads, and
   * every file in them goes into the signed suite hash: change one and the hash changes.
   */
  hidden(step: z.infer<S>): { field: string; dir: string }[];
  /** What the schema cannot say: a folder's contents, a section the step needs, a probe's parameters. */
  check?(step: z.infer<S>, at: LoadCheck): StepProblem[];
  run(ctx: GradeContext<z.infer<S>>): Promise<StepOutcome>;
  /** How fast a grading of an exercise graded by this kind alone should be (`npm run bench`). */
  readonly gradingTarget?: { p50Ms: number };
}

/** Splits a step's points evenly over its tests; the last one takes the rounding so the sum is exact. */
export function splitPoints(points: number, n: number): number[] {
  if (n === 0) return [];
  const each = Math.floor((points / n) * 100) / 100;
  const out = Array.from({ length: n }, () => each);
  out[n - 1] = Math.round((points - each * (n - 1)) * 100) / 100;
  return out;
}
