import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The repository root: exercises/, web/dist and docker/ are found relative to it. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const port = z.coerce.number().int().min(0).max(65535);

const list = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean),
  );
const bool = z.enum(["true", "false", "1", "0", "on", "off"]).transform((v) => ["true", "1", "on"].includes(v));

const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  /** The origin browsers use to reach the lab; WebSocket upgrades and writes must come from it. */
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  /** Shared, read-only package folders the sandboxes see (defaults under DATA_DIR). */
  RUNTIME_DIR: z.string().min(1).optional(),
  EXERCISES_DIR: z.string().min(1).default(path.join(ROOT_DIR, "exercises")),
  SANDBOX_DRIVER: z.enum(["auto", "bwrap", "docker"]).default("auto"),
  /** Warm Docker containers kept ready per runtime, so opening an exercise is fast; 0 disables. */
  SANDBOX_POOL_SIZE: z.coerce.number().int().min(0).max(64).default(2),
  /** A workspace's sandbox is stopped after this long with no terminal attached (files stay). */
  SANDBOX_IDLE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(600),
  /** No terminal session (and so no live sandbox) lives longer than this. */
  SANDBOX_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(8 * 3600),
  /** Live sandboxes one user may have at once (the least recently used detached one gives way). */
  SANDBOXES_PER_USER: z.coerce.number().int().min(1).max(50).default(3),
  /** How long a sandbox may take to start before the terminal or grading run gives up. */
  SANDBOX_START_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  /** Graders running at once; each takes one sandbox. */
  GRADING_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(Math.max(1, os.cpus().length)),
  /** Submissions one user may make per minute. */
  SUBMISSIONS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  /** Disk space per workspace (an ext4 image, when the lab runs as root); 0 turns the limit off. */
  WORKSPACE_QUOTA_MB: z.coerce.number().int().min(0).max(100_000).default(256),
  /** `open`: anyone may sign up; `invite`: only with an invite link an admin made. */
  SIGNUP: z.enum(["open", "invite"]).default("open"),
  /** A session unused this long ends (sign in again). */
  SESSION_IDLE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24),
  /** No session lives longer than this, used or not. */
  SESSION_MAX_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  /** Sign-in and sign-up attempts per minute from one IP (a class behind one NAT shares it). */
  AUTH_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).max(100_000).default(100),
  /** How long an invite link works unless the admin says otherwise. */
  INVITE_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  /** Days an ended cohort's workspaces stay readable before the retention job removes them. */
  COHORT_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** Bearer token for `GET /api/metrics` (Prometheus); unset, the endpoint answers 404. */
  METRICS_TOKEN: z.string().min(32, "use at least 32 characters (e.g. openssl rand -hex 32)").max(200).optional(),
  /** CIDRs webhooks may reach although they are loopback or private (e.g. 127.0.0.0/8 for a receiver on this host). */
  WEBHOOK_ALLOW_NETWORKS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.union([z.cidrv4(), z.cidrv6()], { error: "a CIDR like 127.0.0.0/8 or ::1/128" }))),
  /** Seconds before each retry of a failed webhook delivery; after the last one it is marked failed. */
  WEBHOOK_RETRY_SECONDS: z
    .string()
    .default("5,300,1800,7200,18000,36000,36000")
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
        .map(Number),
    )
    .pipe(z.array(z.number().int().min(0).max(86_400)).max(20)),
  /** OpenTelemetry traces over OTLP/HTTP: the collector's traces URL (e.g. http://collector:4318/v1/traces)… */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** …or its base URL, to which /v1/traces is added (the OpenTelemetry convention). Unset: no traces. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).default("backlab"),
  /** Single sign-on (OpenID Connect): the issuer's URL (discovery); unset, SSO is off. https, or http on loopback. */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(200).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(500).optional(),
  /** What the sign-in button says: "Sign in with <name>". */
  OIDC_NAME: z.string().trim().min(1).max(40).default("single sign-on"),
  OIDC_SCOPES: z.string().default("openid email profile"),
  /** Emails allowed to sign in through the provider, by domain (comma-separated); empty allows any. */
  OIDC_ALLOWED_DOMAINS: list.pipe(z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, "a domain like example.com"))),
  /** The claim whose values (a list of group names) the role map reads. */
  OIDC_GROUPS_CLAIM: z.string().min(1).max(100).default("groups"),
  /** JSON map from group to role, e.g. {"lab-admins":"admin","teachers":"instructor"}; the highest role wins. */
  OIDC_ROLE_MAP: z
    .string()
    .default("{}")
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().min(1), z.enum(["admin", "instructor", "learner"]))),
  /** A claim every sign-in must carry (`name`, or `name=value`); without it the sign-in is refused. */
  OIDC_REQUIRED_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]+(=.+)?$/, "a claim name, or name=value")
    .optional(),
  /** Link a provider sign-in to an existing local account with the same, verified, email (else the owner links it signed in). */
  OIDC_LINK_BY_EMAIL: bool.default(false),
  /** Whether local passwords still sign in (the first admin's link always works). */
  LOCAL_PASSWORDS: bool.default(true),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export type Config = {
  port: number;
  host: string;
  publicUrl: string | undefined;
  dataDir: string;
  runtimeDir: string;
  exercisesDir: string;
  sandboxDriver: "auto" | "bwrap" | "docker";
  sandboxIdleSeconds: number;
  sandboxStartSeconds: number;
  sandboxMaxAgeSeconds: number;
  sandboxesPerUser: number;
  sandboxPoolSize: number;
  gradingConcurrency: number;
  submissionsPerMinute: number;
  workspaceQuotaMb: number;
  logLevel: z.infer<typeof EnvSchema>["LOG_LEVEL"];
  signup: "open" | "invite";
  sessionIdleMs: number;
  sessionMaxMs: number;
  inviteDays: number;
  cohortRetentionDays: number;
  authAttemptsPerIp: number;
  metricsToken: string | undefined;
  webhookAllowNetworks: string[];
  webhookRetrySeconds: number[];
  /** Where traces go; undefined when no collector is configured (tracing costs nothing then). */
  traces: { url: string; serviceName: string } | undefined;
  /** Single sign-on, when OIDC_ISSUER is set. */
  sso: SsoConfig | undefined;
  localPasswords: boolean;
  nodeEnv: z.infer<typeof EnvSchema>["NODE_ENV"];
  secureCookies: boolean;
  webDistDir: string;
};

export type SsoConfig = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  scopes: string;
  allowedDomains: string[];
  groupsClaim: string;
  roleMap: Record<string, "admin" | "instructor" | "learner">;
  requiredClaim: { name: string; value?: string } | undefined;
  linkByEmail: boolean;
};

export class ConfigError extends Error {}

function ssoConfig(e: z.infer<typeof EnvSchema>): SsoConfig | undefined {
  if (!e.OIDC_ISSUER) return undefined;
  if (!e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET)
    throw new ConfigError("invalid configuration: OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET");
  const issuer = new URL(e.OIDC_ISSUER);
  // Tokens and the client secret travel to the issuer: plain HTTP only to this machine (tests, a local IdP).
  if (issuer.protocol !== "https:" && !isLoopbackHost(issuer.hostname))
    throw new ConfigError("invalid configuration: OIDC_ISSUER must be https (http only on loopback)");
  if (!e.OIDC_SCOPES.split(/\s+/).includes("openid"))
    throw new ConfigError("invalid configuration: OIDC_SCOPES must include openid");
  const [name, ...value] = (e.OIDC_REQUIRED_CLAIM ?? "").split("=");
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    name: e.OIDC_NAME,
    scopes: e.OIDC_SCOPES.trim(),
    allowedDomains: e.OIDC_ALLOWED_DOMAINS,
    groupsClaim: e.OIDC_GROUPS_CLAIM,
    roleMap: e.OIDC_ROLE_MAP,
    requiredClaim: name ? { name, ...(value.length ? { value: value.join("=") } : {}) } : undefined,
    linkByEmail: e.OIDC_LINK_BY_EMAIL,
  };
}

export const isLoopbackHost = (h: string) =>
  h === "localhost" || h === "[::1]" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);

/** Parses the environment once. Nothing else in the server reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join("; ")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ""),
    dataDir,
    runtimeDir: path.resolve(e.RUNTIME_DIR ?? path.join(dataDir, "runtimes")),
    exercisesDir: path.resolve(e.EXERCISES_DIR),
    sandboxDriver: e.SANDBOX_DRIVER,
    sandboxIdleSeconds: e.SANDBOX_IDLE_SECONDS,
    sandboxStartSeconds: e.SANDBOX_START_SECONDS,
    sandboxMaxAgeSeconds: e.SANDBOX_MAX_AGE_SECONDS,
    sandboxesPerUser: e.SANDBOXES_PER_USER,
    sandboxPoolSize: e.SANDBOX_POOL_SIZE,
    gradingConcurrency: e.GRADING_CONCURRENCY,
    submissionsPerMinute: e.SUBMISSIONS_PER_MINUTE,
    workspaceQuotaMb: e.WORKSPACE_QUOTA_MB,
    logLevel: e.LOG_LEVEL,
    signup: e.SIGNUP,
    sessionIdleMs: e.SESSION_IDLE_HOURS * 3_600_000,
    sessionMaxMs: e.SESSION_MAX_DAYS * 86_400_000,
    inviteDays: e.INVITE_DAYS,
    cohortRetentionDays: e.COHORT_RETENTION_DAYS,
    authAttemptsPerIp: e.AUTH_ATTEMPTS_PER_IP,
    metricsToken: e.METRICS_TOKEN,
    webhookAllowNetworks: e.WEBHOOK_ALLOW_NETWORKS,
    webhookRetrySeconds: e.WEBHOOK_RETRY_SECONDS,
    traces: tracesUrl(e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, e.OTEL_EXPORTER_OTLP_ENDPOINT, e.OTEL_SERVICE_NAME),
    sso: ssoConfig(e),
    localPasswords: e.LOCAL_PASSWORDS,
    nodeEnv: e.NODE_ENV,
    secureCookies: e.PUBLIC_URL?.startsWith("https://") ?? false,
    webDistDir: path.join(ROOT_DIR, "web", "dist"),
  };
}

function tracesUrl(traces: string | undefined, base: string | undefined, serviceName: string) {
  const url = traces ?? (base ? `${base.replace(/\/$/, "")}/v1/traces` : undefined);
  return url ? { url, serviceName } : undefined;
}
