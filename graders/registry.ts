import type { Exercise } from "./exercise/catalog.ts";
import type { GraderStep } from "./exercise/schema.ts";
import type { SandboxDriver } from "./sandbox/port.ts";
import type { TestResult } from "./results.ts";
import type { StepTimer } from "./timing.ts";
import { loadGrader } from "./load/grader.ts";
import { securityGrader } from "./security/grader.ts";
import { serviceGrader } from "./service/grader.ts";
import { mutationGrader } from "./mutation/grader.ts";
import { staticGrader } from "./static/grader.ts";
import { unitGrader } from "./unit/grader.ts";

export type GradeContext<S extends GraderStep = GraderStep> = {
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

/** A grader kind turns one step of an exercise into scored tests. Like CTFd's challenge types. */
export interface GraderKind<S extends GraderStep = GraderStep> {
  readonly kind: S["kind"];
  run(ctx: GradeContext<S>): Promise<StepOutcome>;
}

const kinds = new Map<string, GraderKind<never>>([
  [unitGrader.kind, unitGrader as GraderKind<never>],
  [staticGrader.kind, staticGrader as GraderKind<never>],
  [mutationGrader.kind, mutationGrader as GraderKind<never>],
  [serviceGrader.kind, serviceGrader as GraderKind<never>],
  [securityGrader.kind, securityGrader as GraderKind<never>],
  [loadGrader.kind, loadGrader as GraderKind<never>],
]);

export function graderFor(kind: string): GraderKind {
  const g = kinds.get(kind);
  if (!g) throw new Error(`unknown grader kind "${kind}"; known: ${[...kinds.keys()].join(", ")}`);
  return g as unknown as GraderKind;
}

/** Splits a step's points evenly over its tests; the last one takes the rounding so the sum is exact. */
export function splitPoints(points: number, n: number): number[] {
  if (n === 0) return [];
  const each = Math.floor((points / n) * 100) / 100;
  const out = Array.from({ length: n }, () => each);
  out[n - 1] = Math.round((points - each * (n - 1)) * 100) / 100;
  return out;
}
