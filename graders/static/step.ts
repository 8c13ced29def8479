import { z } from "zod";
import { Category, StepBase } from "../exercise/fields.ts";

/** `static`: rules over files of the submission (e.g. a Dockerfile), a message per rule. */
export const StaticStep = StepBase.extend({
  kind: z.literal("static"),
  category: Category.default("quality"),
  rules: z
    .array(z.looseObject({ rule: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), file: z.string().min(1).max(300) }))
    .min(1)
    .max(50),
  points: z.number().positive().max(1000),
});

export type StaticStep = z.infer<typeof StaticStep>;
