/**
 * Request templates in exercise.yaml: a method, a path and optionally headers and a body, where
 * `{payload}`, `{id}`, `{username}`, `{password}`, `{email}`, `{marker}`, `{refresh}` are
 * filled in by the probe. In the path a value is percent-encoded (unless the probe sends a
 * pre-encoded payload); in bodies and headers it is inserted as is.
 */
import { z } from "zod";
import type { HttpRequest } from "./http.ts";

export const Method = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

export const RequestTemplate = z.strictObject({
  method: Method.default("GET"),
  /** Starts with "/", relative to the base URL; may hold a query string. */
  path: z.string().startsWith("/").max(1000),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "a header name"), z.string().max(2000)).optional(),
  /** A JSON value; strings inside it may hold placeholders. With `body_type: raw` a string sent verbatim. */
  body: z.json().optional(),
  body_type: z.enum(["json", "form", "raw"]).default("json"),
});
export type RequestTemplate = z.output<typeof RequestTemplate>;
export type RequestTemplateInput = z.input<typeof RequestTemplate>;

export type Vars = Record<string, string>;

const PLACEHOLDER = /\{([a-z_]+)\}/g;

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) strings(x, out);
  return out;
}

/** Whether `{name}` appears anywhere in the template. */
export function hasPlaceholder(t: RequestTemplate | RequestTemplateInput, name: string): boolean {
  const all = [t.path, ...Object.values(t.headers ?? {}), ...strings(t.body)];
  return all.some((s) => s.includes(`{${name}}`));
}

/** Whether `{name}` is in the path (where it gets percent-encoded). */
export const inPath = (t: RequestTemplate, name: string) => t.path.includes(`{${name}}`);

/** RequestTemplate with a required placeholder. */
export function templateWith(...names: string[]) {
  return RequestTemplate.refine((t) => names.every((n) => hasPlaceholder(t, n)), {
    message: `needs ${names.map((n) => `{${n}}`).join(" and ")} in its path, body or headers`,
  });
}

function fillString(s: string, vars: Vars, encode: (name: string, v: string) => string): string {
  return s.replace(PLACEHOLDER, (whole, name: string) => (name in vars ? encode(name, vars[name]!) : whole));
}

function fillJson(v: unknown, vars: Vars): unknown {
  if (typeof v === "string") {
    return fillString(v, vars, (_, x) => x);
  }
  if (Array.isArray(v)) return v.map((x) => fillJson(x, vars));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillJson(x, vars)]));
  return v;
}

export type FillOptions = {
  /** Placeholders inserted into the path verbatim (the probe pre-encoded them). */
  rawInPath?: string[];
  /** Fields merged into a JSON object body (e.g. mass-assignment). */
  extraBody?: Record<string, unknown>;
};

/** Turns a template into a request with `vars` filled in. */
export function toRequest(t: RequestTemplate, vars: Vars, opts: FillOptions = {}): HttpRequest {
  const raw = new Set(opts.rawInPath ?? []);
  const path = fillString(t.path, vars, (name, v) => (raw.has(name) ? v : encodeURIComponent(v)));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.headers ?? {}))
    headers[k.toLowerCase()] = fillString(v, vars, (_, x) => x.replace(/[\r\n]/g, ""));
  let body: string | undefined;
  let bodyValue = t.body === undefined ? undefined : fillJson(t.body, vars);
  if (opts.extraBody)
    bodyValue = {
      ...(bodyValue && typeof bodyValue === "object" && !Array.isArray(bodyValue) ? bodyValue : {}),
      ...opts.extraBody,
    };
  if (bodyValue !== undefined) {
    if (t.body_type === "raw") {
      body = typeof bodyValue === "string" ? bodyValue : JSON.stringify(bodyValue);
      headers["content-type"] ??= "text/plain";
    } else if (t.body_type === "form") {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(bodyValue as Record<string, unknown>))
        form.append(k, typeof v === "string" ? v : JSON.stringify(v));
      body = form.toString();
      headers["content-type"] ??= "application/x-www-form-urlencoded";
    } else {
      body = JSON.stringify(bodyValue);
      headers["content-type"] ??= "application/json";
    }
  }
  return { method: t.method, path, headers, ...(body !== undefined ? { body } : {}) };
}

/** `a.b.0.c` in a JSON value. */
export function getPath(value: unknown, dotted: string): unknown {
  let cur = value;
  for (const key of dotted.split(".")) {
    if (cur == null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A short label for messages: `GET /search?q={payload}`. */
export const describeTemplate = (t: RequestTemplate) => `${t.method} ${t.path}`;
