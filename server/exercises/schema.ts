import { z } from "zod";

export const AREAS = [
  { id: "api-design", title: "API design" },
  { id: "architecture", title: "Architecture" },
  { id: "authentication", title: "Authentication" },
  { id: "databases", title: "Databases" },
  { id: "security", title: "Security" },
  { id: "performance", title: "Performance" },
  { id: "testing", title: "Testing" },
  { id: "devops", title: "DevOps" },
  { id: "observability", title: "Observability" },
  { id: "code-patterns", title: "Code patterns" },
] as const;

export const AreaId = z.enum(AREAS.map((a) => a.id) as [string, ...string[]]);
export const Slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase words joined by hyphens").max(64);
export const Category = z.enum(["functional", "security", "performance", "quality"]);

/** A path inside the exercise folder: relative, no `..`, no absolute paths. */
const InsidePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside the exercise folder");

const StepBase = z.object({
  name: z.string().min(1).max(120),
  category: Category.default("functional"),
});

/** `unit`: hidden vitest suites run against the learner's modules. */
export const UnitStep = StepBase.extend({
  kind: z.literal("unit"),
  tests: InsidePath.default("tests"),
  /** The step's share of the score, split evenly across its tests. */
  points: z.number().positive().max(1000),
});

/** One entry per grader kind; the registry in graders/ must know every kind listed here. */
export const GraderStep = z.discriminatedUnion("kind", [UnitStep]);

/**
 * Resource limits for the exercise's sandboxes. Bounded on both sides: nothing in a spec
 * can switch a limit off or raise it past what the lab allows.
 */
export const Limits = z
  .object({
    wall_seconds: z.number().int().min(1).max(300).default(20),
    memory_mb: z.number().int().min(64).max(4096).default(512),
    pids: z.number().int().min(16).max(1024).default(256),
    cpu_seconds: z.number().int().min(1).max(3600).default(120),
    cpus: z.number().min(0.1).max(4).default(1),
    file_size_mb: z.number().int().min(1).max(1024).default(64),
    tmp_mb: z.number().int().min(1).max(1024).default(64),
  })
  .strict();

export const ExerciseSpec = z
  .object({
    id: Slug,
    title: z.string().min(3).max(120),
    area: AreaId,
    difficulty: z.enum(["beginner", "intermediate", "advanced"]),
    estimated_minutes: z.number().int().min(5).max(600),
    runtime: z.enum(["node20"]),
    summary: z.string().min(10).max(300),
    grader: z.object({ steps: z.array(GraderStep).min(1).max(20) }).strict(),
    limits: Limits.default(Limits.parse({})),
    hints: z.array(z.string().min(1).max(2000)).max(10).default([]),
  })
  .strict();

export type ExerciseSpec = z.infer<typeof ExerciseSpec>;
export type GraderStep = z.infer<typeof GraderStep>;
export type Limits = z.infer<typeof Limits>;

/** The exercise.yaml schema as JSON Schema, for editors and the authoring docs. */
export function exerciseJsonSchema(): unknown {
  return z.toJSONSchema(ExerciseSpec, { io: "input" });
}

/** The sandbox limits an exercise's spec asks for, in the driver's terms. */
export function sandboxLimits(l: Limits, overrides: { cpuSeconds?: number } = {}) {
  return {
    memoryMb: l.memory_mb,
    pids: l.pids,
    cpuSeconds: overrides.cpuSeconds ?? l.cpu_seconds,
    cpus: l.cpus,
    fileSizeMb: l.file_size_mb,
    tmpMb: l.tmp_mb,
    openFiles: 1024,
  };
}
