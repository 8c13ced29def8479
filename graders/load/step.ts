import { z } from "zod";
import { Category, StepBase } from "../exercise/fields.ts";

/** `load`: autocannon against the booted service; each threshold is a scored test. */
export const LoadStep = StepBase.extend({
  kind: z.literal("load"),
  category: Category.default("performance"),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("GET"),
  path: z.string().startsWith("/").max(500),
  body: z.string().max(10_000).optional(),
  connections: z.number().int().min(1).max(100).default(10),
  duration_seconds: z.number().min(1).max(30).default(5),
  thresholds: z
    .object({
      /** Scaled by the calibration run, so a busy machine does not fail the learner. */
      p99_ms: z.number().positive().optional(),
      p50_ms: z.number().positive().optional(),
      rps_min: z.number().positive().optional(),
      error_rate_max: z.number().min(0).max(1).optional(),
      rss_mb_max: z.number().positive().optional(),
      counters: z
        .array(z.object({ url: z.string().startsWith("/"), field: z.string().min(1), max: z.number() }))
        .max(10)
        .optional(),
    })
    .strict(),
  points: z.number().positive().max(1000),
});

export type LoadStep = z.infer<typeof LoadStep>;
