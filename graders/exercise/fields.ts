/**
 * The fields of exercise.yaml that belong to no grader kind: areas, names, the `service:`
 * section, limits, and the base every kind's step schema extends.
 */
import { z } from "zod";

// The catalog's order is a learning path: design an API, secure it, store its data, test it,
// structure the code, make it resilient and fast, then observe and ship it.
export const AREAS = [
  {
    id: "api-design",
    title: "API design",
    description: "Contracts clients can rely on: errors, pagination, caching, idempotency, schemas.",
  },
  {
    id: "authentication",
    title: "Authentication",
    description: "Who is calling: passwords, sessions, tokens, rotation, OAuth flows.",
  },
  {
    id: "security",
    title: "Security",
    description: "Close the OWASP Top 10 holes without breaking the features around them.",
  },
  {
    id: "databases",
    title: "Databases",
    description: "Transactions, constraints, queries and indexes that hold up under concurrent load.",
  },
  {
    id: "testing",
    title: "Testing",
    description: "Tests that catch real bugs: mutants, contracts, the edges that matter.",
  },
  {
    id: "code-patterns",
    title: "Code patterns",
    description: "Middleware, typed errors and dependency injection that keep code changeable.",
  },
  {
    id: "architecture",
    title: "Architecture",
    description: "Systems that survive failure: retries, circuit breakers, outboxes, exactly-once effects.",
  },
  { id: "performance", title: "Performance", description: "Caching, streaming and backpressure, measured under load." },
  {
    id: "observability",
    title: "Observability",
    description: "Logs, metrics and traces that answer what happened in production.",
  },
  {
    id: "devops",
    title: "DevOps",
    description: "Configuration, health checks, shutdown, images and pipelines ready to ship.",
  },
] as const;

export const AreaId = z.enum(AREAS.map((a) => a.id) as [string, ...string[]]);
export const Slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase words joined by hyphens")
  .max(64);
export const Category = z.enum(["functional", "security", "performance", "quality"]);

/** A path inside the exercise folder: relative, no `..`, no absolute paths. */
export const InsidePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.split("/").includes(".."),
    "must be a relative path inside the exercise folder",
  );

export const StepBase = z.object({
  name: z.string().min(1).max(120),
  category: Category.default("functional"),
});

/** How to boot the learner's service, for the steps that talk to it (graders/service/boot.ts). */
export const ServiceSpec = z
  .object({
    /** argv, run in the workspace; a string runs through `sh -c`. */
    start: z.union([z.array(z.string().min(1)).min(1), z.string().min(1)]),
    port: z.number().int().min(1024).max(65535),
    ready: z
      .object({
        path: z.string().startsWith("/").default("/"),
        status: z.number().int().min(100).max(599).optional(),
        timeout_seconds: z.number().min(1).max(60).default(15),
      })
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

export type ServiceSpec = z.infer<typeof ServiceSpec>;
export type Limits = z.infer<typeof Limits>;

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
