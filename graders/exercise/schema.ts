import { z } from "zod";

// The catalog's order is a learning path: design an API, secure it, store its data, test it,
// structure the code, make it resilient and fast, then observe and ship it.
export const AREAS = [
  { id: "api-design", title: "API design", description: "Contracts clients can rely on: errors, pagination, caching, idempotency, schemas." },
  { id: "authentication", title: "Authentication", description: "Who is calling: passwords, sessions, tokens, rotation, OAuth flows." },
  { id: "security", title: "Security", description: "Close the OWASP Top 10 holes without breaking the features around them." },
  { id: "databases", title: "Databases", description: "Transactions, constraints, queries and indexes that hold up under concurrent load." },
  { id: "testing", title: "Testing", description: "Tests that catch real bugs: mutants, contracts, the edges that matter." },
  { id: "code-patterns", title: "Code patterns", description: "Middleware, typed errors and dependency injection that keep code changeable." },
  { id: "architecture", title: "Architecture", description: "Systems that survive failure: retries, circuit breakers, outboxes, exactly-once effects." },
  { id: "performance", title: "Performance", description: "Caching, streaming and backpressure, measured under load." },
  { id: "observability", title: "Observability", description: "Logs, metrics and traces that answer what happened in production." },
  { id: "devops", title: "DevOps", description: "Configuration, health checks, shutdown, images and pipelines ready to ship." },
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

/**
 * `service`: the learner's service is booted (see `service` below) and hidden vitest suites
 * run against it from a separate sandbox that shares only its network (SERVICE_URL).
 */
export const ServiceStep = StepBase.extend({
  kind: z.literal("service"),
  tests: InsidePath,
  points: z.number().positive().max(1000),
});

/** One probe of the library (graders/probes/), with its own parameters (checked by the probe). */
export const ProbeUse = z.looseObject({ probe: z.string().regex(/^[a-z0-9-]+$/) });

/** `security`: probes from the library attack the booted service; each a scored test. */
export const SecurityStep = StepBase.extend({
  kind: z.literal("security"),
  category: Category.default("security"),
  probes: z.array(ProbeUse).min(1).max(50),
  points: z.number().positive().max(1000),
});

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
      counters: z.array(z.object({ url: z.string().startsWith("/"), field: z.string().min(1), max: z.number() })).max(10).optional(),
    })
    .strict(),
  points: z.number().positive().max(1000),
});

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

/** `static`: rules over files of the submission (e.g. a Dockerfile), a message per rule. */
export const StaticStep = StepBase.extend({
  kind: z.literal("static"),
  category: Category.default("quality"),
  rules: z.array(z.looseObject({ rule: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), file: z.string().min(1).max(300) })).min(1).max(50),
  points: z.number().positive().max(1000),
});

/** One entry per grader kind; the registry in graders/ must know every kind listed here. */
export const GraderStep = z.discriminatedUnion("kind", [UnitStep, ServiceStep, SecurityStep, LoadStep, MutationStep, StaticStep]);

/** How to boot the learner's service, for `service`, `security` and `load` steps. */
export const ServiceSpec = z
  .object({
    /** argv, run in the workspace; a string runs through `sh -c`. */
    start: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]),
    port: z.number().int().min(1024).max(65535),
    ready: z
      .object({ path: z.string().startsWith("/").default("/"), status: z.number().int().min(100).max(599).optional(), timeout_seconds: z.number().min(1).max(60).default(15) })
      .strict()
      .default({ path: "/", timeout_seconds: 15 }),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(1000)).default({}),
  })
  .strict();

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
    service: ServiceSpec.optional(),
    grader: z.object({ steps: z.array(GraderStep).min(1).max(20) }).strict(),
    limits: Limits.default(Limits.parse({})),
    hints: z.array(z.string().min(1).max(2000)).max(10).default([]),
  })
  .strict();

export type ExerciseSpec = z.infer<typeof ExerciseSpec>;
export type ServiceSpec = z.infer<typeof ServiceSpec>;
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
