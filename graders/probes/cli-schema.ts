/**
 * `backlab probe --help` / `--list` and `--param` typing, read from the probes' own zod
 * schemas (so the help cannot drift from what a probe accepts). Each parameter has an
 * example here; cli-schema.test.ts checks that every parameter of every probe has one and
 * that every example is accepted by the probe's schema.
 */
import type { z } from "zod";
import type { Probe } from "./types.ts";

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  entries?: Record<string, unknown>;
  values?: unknown[];
  defaultValue?: unknown;
};
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"]);

/** The schema under optional/default/pipe wrappers, whether it may be left out, and its default. */
export function unwrap(s: z.ZodType): { schema: z.ZodType; optional: boolean; fallback?: unknown } {
  let cur = s;
  let optional = false;
  let fallback: unknown;
  for (;;) {
    const d = def(cur);
    if (WRAPPERS.has(d.type) && d.innerType) {
      if (d.type === "optional") optional = true;
      if (d.type === "default" || d.type === "prefault") {
        optional = true;
        fallback = typeof d.defaultValue === "function" ? (d.defaultValue as () => unknown)() : d.defaultValue;
      }
      cur = d.innerType;
    } else if (d.type === "pipe" && d.in) cur = d.in;
    else return { schema: cur, optional, ...(fallback !== undefined ? { fallback } : {}) };
  }
}

/** The keys of an object schema. */
export function shapeOf(s: z.ZodType): Record<string, z.ZodType> | undefined {
  const d = def(unwrap(s).schema);
  return d.type === "object" ? d.shape : undefined;
}

/** The core type name at a dotted path (`request.path` → "string"), or undefined when there is no such key. */
export function typeAt(s: z.ZodType, dotted: string): string | undefined {
  let cur: z.ZodType | undefined = s;
  for (const key of dotted.split(".")) {
    const shape: Record<string, z.ZodType> | undefined = cur ? shapeOf(cur) : undefined;
    if (!shape) return cur && def(unwrap(cur).schema).type === "record" ? "unknown" : undefined;
    cur = shape[key];
    if (!cur) return undefined;
  }
  return cur ? def(unwrap(cur).schema).type : undefined;
}

/**
 * A `--param` value typed by the schema: a string parameter takes the text as is (`known=1`
 * is the string "1"), numbers, booleans, lists and objects are read as JSON.
 */
export function typedValue(s: z.ZodType, dotted: string, raw: string): unknown {
  const t = typeAt(s, dotted);
  if (t === "string" || t === "enum" || t === "literal" || t === "template_literal") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function label(s: z.ZodType): string {
  const { schema } = unwrap(s);
  const d = def(schema);
  if (d.type === "enum") return Object.values(d.entries ?? {}).join("|");
  if (d.type === "array") return `list of ${d.element ? label(d.element) : "values"}`;
  if (d.type === "object") {
    const keys = Object.keys(d.shape ?? {});
    if (keys.includes("path") && keys.includes("method")) return "request";
    if (keys.includes("login") && keys.includes("users")) return "auth";
    return "object";
  }
  return d.type;
}

const LOGIN = { method: "POST", path: "/login", body: { username: "{username}", password: "{password}" } };
/** Examples by parameter name; `<probe>.<name>` where a probe's differs. */
export const EXAMPLES: Record<string, unknown> = {
  request: { path: "/search?q={payload}" },
  "os-command-injection.request": { path: "/tools/ping?host={payload}" },
  "ssti.request": { path: "/hello?name={payload}" },
  "xss-reflected.request": { path: "/greet?name={payload}" },
  "mass-assignment.request": { method: "PATCH", path: "/me", body: { name: "Ada {marker}" } },
  "csrf.request": { method: "POST", path: "/profile", body: { bio: "{marker}" } },
  "path-traversal.request": { path: "/files/{payload}" },
  "ssrf-loopback.request": { method: "POST", path: "/fetch", body: { url: "{payload}" } },
  "open-redirect.request": { path: "/login?next={payload}" },
  auth: { login: LOGIN, users: [{ username: "alice", password: "alice-pass-1" }], token: "token" },
  "login-rate-limit.auth": { login: LOGIN, users: [{ username: "alice", password: "alice-pass-1" }] },
  known: "welcome",
  expect: "Welcome",
  techniques: ["error", "boolean"],
  "os-command-injection.known": "127.0.0.1",
  "os-command-injection.techniques": ["output"],
  delay_seconds: 2,
  write: { method: "POST", path: "/comments", body: { text: "{payload}" } },
  read: { path: "/comments" },
  "idor.read": { path: "/orders/{id}" },
  "idor-existing.list": [{ path: "/api/orders" }, { path: "/api/me" }],
  "idor-existing.read": { path: "/api/orders/{id}" },
  "idor-existing.id_keys": "^(id|orderId)$",
  "idor-existing.max_ids": 5,
  id: "id",
  create: { method: "POST", path: "/orders", body: { note: "{marker}" } },
  update: { method: "PATCH", path: "/orders/{id}", body: { note: "{marker}" } },
  verify: { path: "/me" },
  inject: { role: "admin" },
  legit: "readme.txt",
  "open-redirect.legit": "/",
  target: "etc/passwd",
  pattern: "root:",
  depth: 8,
  allowed_port: 47800,
  wait_ms: 2000,
  check: { path: "/api/me" },
  token_cookie: "access_token",
  secret: "the-service-secret",
  private_key: "-----BEGIN PRIVATE KEY-----…",
  claims: { sub: "admin" },
  extra_secrets: ["changeme"],
  public_key_path: "/.well-known/jwks.json",
  refresh: { method: "POST", path: "/auth/refresh", body: { refreshToken: "{refresh}" } },
  refresh_token: "cookie:refresh",
  require_family_revocation: false,
  login: LOGIN,
  username: "admin",
  attempts: 20,
  endpoints: [LOGIN],
  paths: ["/", "/api"],
  allowed_origin: "https://app.example.test",
  requests: [{ method: "POST", path: "/api/items", body: {} }],
};

export const exampleFor = (probe: string, key: string): unknown => EXAMPLES[`${probe}.${key}`] ?? EXAMPLES[key];

/** `--param` flags that spell an example value (objects as dotted leaves, lists as JSON). */
export function exampleFlags(key: string, value: unknown): string[] {
  if (value && typeof value === "object" && !Array.isArray(value) && key.split(".").length < 3)
    return Object.entries(value).flatMap(([k, v]) => exampleFlags(`${key}.${k}`, v));
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return [`--param ${/^[\w./=:-]+$/.test(`${key}=${text}`) ? `${key}=${text}` : `'${key}=${text}'`}`];
}

/** One line per parameter: name, type, required or its default, and an example. */
export function paramsHelp(p: Probe): string[] {
  const shape = shapeOf(p.params) ?? {};
  return Object.entries(shape).map(([key, s]) => {
    const u = unwrap(s);
    const state = !u.optional
      ? "required"
      : u.fallback !== undefined
        ? `default ${JSON.stringify(u.fallback).slice(0, 60)}`
        : "optional";
    const ex = exampleFor(p.id, key);
    const alt = key === "auth" ? " (or a session: --cookie 'sid=…' / --bearer TOKEN)" : "";
    return `    ${key} (${label(s)}, ${state})${ex === undefined ? "" : `  e.g. ${exampleFlags(key, ex).join(" ")}`}${alt}`;
  });
}

/** Whether a probe signs in (has an `auth` parameter), so `--cookie`/`--bearer` apply to it. */
export const takesAuth = (p: Probe) => Boolean(shapeOf(p.params)?.auth);
