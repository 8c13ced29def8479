import path from "node:path";
import { z } from "zod";
import { Category, InsidePath, StepBase } from "../exercise/fields.ts";
import type { LoadCheck, StepProblem } from "../kind.ts";
import { checkTestsPath, listMutants } from "./mutants.ts";

/** `mutation`: the learner's tests must pass on the reference and fail on every hidden mutant. */
export const MutationStep = StepBase.extend({
  kind: z.literal("mutation"),
  category: Category.default("quality"),
  /** The learner's test folder, in the workspace. */
  tests: z.string().min(1).default("test"),
  /** Exercise folder holding the reference implementation. */
  reference: InsidePath.default("solution"),
  /** Exercise folder with one sub-folder per mutant, each overlaying files of the reference. */
  mutants: InsidePath.default("mutants"),
  /** How a mutant's test is named: "<label>: <description>". */
  label: z.string().min(1).max(40).default("Mutant"),
  /**
   * Optional exercise folder of variants laid out like mutants that the tests must PASS on:
   * changes that keep what the tests are about (a provider adding a field, say). A test
   * that fails on one checks too much. Each is a scored test, "Compatible change: <description>".
   */
  compatible: InsidePath.optional(),
  points: z.number().positive().max(1000),
});

export type MutationStep = z.infer<typeof MutationStep>;

/** Every folder the step reads: all of them hidden, hashed, and required at load. */
export function mutationFolders(step: MutationStep): { field: string; dir: string }[] {
  return [
    { field: "reference", dir: step.reference },
    { field: "mutants", dir: step.mutants },
    ...(step.compatible ? [{ field: "compatible", dir: step.compatible }] : []),
  ];
}

/**
 * At load, what grading would otherwise refuse only once a learner submits: each compatible
 * variant must overlay at least one file of the reference, and only such files (never the
 * learner's test folder). (Mutants are checked when grading, where a broken one is the
 * grader's error; the golden fixtures pin that.)
 */
export function checkMutationStep(step: MutationStep, at: LoadCheck): StepProblem[] {
  if (!step.compatible) return [];
  try {
    listMutants(
      path.join(at.dir, step.compatible),
      step.compatible,
      path.join(at.dir, step.reference),
      checkTestsPath(step.tests),
    );
  } catch (err) {
    return [{ field: `${at.where}.compatible`, message: (err as Error).message }];
  }
  return [];
}
