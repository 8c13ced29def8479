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
    super(issues.map((i) => `${i.variable}: ${i.message}`).join("; "));
    this.name = "ConfigError";
    this.issues = issues;
    this.variables = issues.map((i) => i.variable);
  }
}

// TODO: validate with zod, collect every problem, understand durations like "5s".
export function loadConfig(env: Record<string, string | undefined>): Config {
  const databaseUrl = env.DATABASE_URL ?? "";
  if (!URL.canParse(databaseUrl)) {
    throw new ConfigError([{ variable: "DATABASE_URL", message: `not a valid URL: ${databaseUrl}` }]);
  }
  return {
    port: parseInt(env.PORT ?? "3000", 10),
    databaseUrl,
    logLevel: (env.LOG_LEVEL ?? "info") as LogLevel,
    featureFlags: env.FEATURE_FLAGS ? env.FEATURE_FLAGS.split(",") : [],
    requestTimeoutMs: parseInt(env.REQUEST_TIMEOUT ?? "5000", 10),
    shutdownTimeoutMs: parseInt(env.SHUTDOWN_TIMEOUT ?? "10000", 10),
  };
}
