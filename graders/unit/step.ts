import { z } from "zod";
import { InsidePath, StepBase } from "../exercise/fields.ts";

/** `unit`: hidden vitest suites run against the learner's modules. */
export const UnitStep = StepBase.extend({
  kind: z.literal("unit"),
  tests: InsidePath.default("tests"),
  /** The step's share of the score, split evenly across its tests. */
  points: z.number().positive().max(1000),
});

export type UnitStep = z.infer<typeof UnitStep>;
