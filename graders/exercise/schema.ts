import { z } from "zod";
import { GraderStep } from "../registry.ts";
import { SERVICE_NAMES } from "../services/registry.ts";
import { serviceName, ServiceWithOptions } from "../services/use.ts";
import { AreaId, Limits, ServiceSpec, Slug } from "./fields.ts";

// The fields that belong to no grader kind live in fields.ts; each kind's step schema in its
// folder (graders/<kind>/step.ts), joined into `GraderStep` by graders/registry.ts.
export * from "./fields.ts";
export { GraderStep };

export const ExerciseSpec = z
  .object({
    id: Slug,
    title: z.string().min(3).max(120),
    area: AreaId,
    difficulty: z.enum(["beginner", "intermediate", "advanced"]),
    estimated_minutes: z.number().int().min(5).max(600),
    runtime: z.enum(["node20"]),
    summary: z.string().min(10).max(300),
    /** What the exercise is about, in the words people search the catalog with ("jwt", "owasp"). */
    topics: z
      .array(
        z
          .string()
          .min(2)
          .max(40)
          .regex(/^[a-z0-9][a-z0-9 .+#/-]*$/, "lower case words"),
      )
      .max(12)
      .default([]),
    service: ServiceSpec.optional(),
    /**
     * Backing services (graders/services/registry.ts) started with every workspace and grading:
     * a name, or a name with options (`{ postgres: { replica: true } }`, graders/services/use.ts).
     */
    services: z
      .array(z.union([z.enum(SERVICE_NAMES), ServiceWithOptions]))
      .max(4)
      .refine((a) => new Set(a.map(serviceName)).size === a.length, "each service once")
      .default([]),
    grader: z.object({ steps: z.array(GraderStep).min(1).max(20) }).strict(),
    limits: Limits.default(Limits.parse({})),
    hints: z.array(z.string().min(1).max(2000)).max(10).default([]),
  })
  .strict();

export type ExerciseSpec = z.infer<typeof ExerciseSpec>;

/** The exercise.yaml schema as JSON Schema, for editors and the authoring docs. */
export function exerciseJsonSchema(): unknown {
  return z.toJSONSchema(ExerciseSpec, { io: "input" });
}
