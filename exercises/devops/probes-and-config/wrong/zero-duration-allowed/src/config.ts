import { z } from "zod";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  databaseUrl: string;
  logLevel: LogLevel;
  featureFlags: string[];
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
}

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  readonly variables: string[];

  constructor(issues: ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i.variable}: ${i.message}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
    this.variables = [...new Set(issues.map((i) => i.variable))];
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** "250ms" | "5s" | "2m" -> milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(text);
  if (!m) throw new Error("must be a duration like 250ms, 5s or 2m");
  const ms = Number(m[1]) * (UNITS[m[2] ?? ""] ?? NaN);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error("must be a duration greater than zero");
  return ms;
}

// Messages are fixed strings: never the received value, which may be a secret.
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    });

const Schema = z.object({
  PORT: z
    .string()
    .default("3000")
    .refine((s) => /^\d+$/.test(s), "must be an integer between 1 and 65535")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, "must be an integer between 1 and 65535"),
  DATABASE_URL: z.string({ error: "is required" }).refine((s) => URL.canParse(s), "must be a valid URL"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  FEATURE_FLAGS: z
    .string()
    .default("")
    .transform((s) => [...new Set(s.split(",").map((f) => f.trim()).filter((f) => f !== ""))]),
  REQUEST_TIMEOUT: duration("5s"),
  SHUTDOWN_TIMEOUT: duration("10s"),
});

export function loadConfig(env: Record<string, string | undefined>): Config {
  // Read each variable exactly once; empty or blank counts as unset.
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(Schema.shape)) {
    const value = env[key];
    raw[key] = value === undefined || value.trim() === "" ? undefined : value.trim();
  }
  const result = Schema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "(config)"), message: issue.message })),
    );
  }
  const c = result.data;
  return Object.freeze({
    port: c.PORT,
    databaseUrl: c.DATABASE_URL,
    logLevel: c.LOG_LEVEL,
    featureFlags: Object.freeze(c.FEATURE_FLAGS) as string[],
    requestTimeoutMs: c.REQUEST_TIMEOUT,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT,
  });
}
