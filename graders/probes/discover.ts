/**
 * Discovery: what a service offers, as probe targets, from its OpenAPI document (a file, a
 * loopback URL, or the service's own /openapi.json) or, without one, from a bounded
 * same-origin crawl of its HTML links and forms. Every request goes through HttpClient, so
 * nothing but the loopback base URL is ever contacted.
 */
import fs from "node:fs/promises";
import { assertLoopbackUrl, HttpClient, type HttpRequest } from "./http.ts";

export type FieldType = "string" | "number" | "integer" | "boolean" | "object" | "array";
export type Field = {
  name: string;
  in: "path" | "query" | "body";
  type: FieldType;
  required: boolean;
  /** A value the service takes: the schema's example/default/enum, or what a crawled link or form held. */
  example?: string;
  /** A form's hidden input (a CSRF token, a state field): sent back as it was. */
  hidden?: boolean;
};
export type Target = {
  method: string;
  /** With `{name}` for path parameters, e.g. `/api/orders/{id}`; no query. */
  path: string;
  fields: Field[];
  body_type: "json" | "form";
  /** The operation has a security requirement (OpenAPI), or the page was reached only signed in (crawl). */
  auth: boolean;
  source: "openapi" | "crawl";
  /** Crawl: the page that holds the form or link. */
  page?: string;
  /** The answer is an HTML page (crawl: it was; OpenAPI: a 2xx answer is text/html). */
  html?: boolean;
  /** OpenAPI: the 2xx answer's property names (top level and one level down), e.g. ["token", "data.token"]. */
  answers?: string[];
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

/** The OpenAPI document at `source` (a file, or a loopback URL), or the service's own at the usual places. */
export async function loadOpenApi(base: string, source?: string, client?: HttpClient): Promise<Json | undefined> {
  const http = client ?? new HttpClient(base, { timeoutMs: 5_000 });
  if (source && !/^https?:\/\//i.test(source)) return JSON.parse(await fs.readFile(source, "utf8")) as Json;
  if (source) {
    const url = assertLoopbackUrl(source);
    const other = new HttpClient(url.origin, { timeoutMs: 5_000 });
    const res = await other.send({ path: url.pathname + url.search });
    if (res.status !== 200) throw new Error(`${source} answered ${res.status}, not an OpenAPI document`);
    return obj(res.json());
  }
  for (const path of ["/openapi.json", "/api/openapi.json", "/swagger.json", "/v3/api-docs"]) {
    const res = await http.send({ path }).catch(() => undefined);
    const doc = obj(res?.status === 200 ? res.json() : undefined);
    if (typeof doc.openapi === "string" || typeof doc.swagger === "string") return doc;
  }
  return undefined;
}

function resolve(doc: Json, s: unknown, depth = 0): Json {
  let cur = obj(s);
  for (let i = 0; i < 5 && typeof cur.$ref === "string" && cur.$ref.startsWith("#/"); i++) {
    let at: unknown = doc;
    for (const k of cur.$ref.slice(2).split("/")) at = obj(at)[k.replace(/~1/g, "/").replace(/~0/g, "~")];
    cur = obj(at);
  }
  if (depth < 3 && Array.isArray(cur.allOf)) {
    const props: Json = {};
    const required: string[] = [];
    for (const part of cur.allOf) {
      const r = resolve(doc, part, depth + 1);
      Object.assign(props, obj(r.properties));
      if (Array.isArray(r.required)) required.push(...(r.required as string[]));
    }
    return { type: "object", properties: props, required };
  }
  if (depth < 3 && (Array.isArray(cur.anyOf) || Array.isArray(cur.oneOf)))
    return resolve(doc, ((cur.anyOf ?? cur.oneOf) as unknown[])[0], depth + 1);
  return cur;
}

function typeOf(s: Json): FieldType {
  const t = Array.isArray(s.type) ? (s.type as unknown[]).find((x) => x !== "null") : s.type;
  if (t === "number" || t === "integer" || t === "boolean" || t === "object" || t === "array") return t;
  if (!t && s.properties) return "object";
  return "string";
}

function exampleOf(s: Json): string | undefined {
  const v =
    s.example ??
    (Array.isArray(s.examples) ? s.examples[0] : undefined) ??
    s.default ??
    (Array.isArray(s.enum) ? s.enum[0] : undefined) ??
    s.const;
  return v === undefined || v === null || typeof v === "object" ? undefined : String(v);
}

function answerFields(doc: Json, responses: unknown): string[] {
  const out: string[] = [];
  for (const [status, r] of Object.entries(obj(responses))) {
    if (!/^2/.test(status)) continue;
    for (const media of Object.values(obj(obj(resolve(doc, r)).content))) {
      const schema = resolve(doc, obj(media).schema);
      for (const [k, v] of Object.entries(obj(schema.properties))) {
        out.push(k);
        for (const k2 of Object.keys(obj(resolve(doc, v).properties))) out.push(`${k}.${k2}`);
      }
    }
  }
  return out;
}

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Every operation of an OpenAPI 3 (or Swagger 2) document as a target; paths under the document's server path. */
export function targetsFromOpenApi(doc: Json): Target[] {
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  let prefix = typeof doc.basePath === "string" ? doc.basePath : "";
  const server = obj(servers[0]).url;
  if (typeof server === "string") prefix = server.replace(/^[a-z]+:\/\/[^/]+/i, "");
  prefix = prefix.replace(/\/+$/, "");
  const globalSecurity = Array.isArray(doc.security) ? doc.security : [];
  const out: Target[] = [];
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    if (!path.startsWith("/")) continue;
    for (const method of METHODS) {
      const op = obj(obj(item)[method]);
      if (!Object.keys(op).length) continue;
      const fields: Field[] = [];
      const params = [...(Array.isArray(obj(item).parameters) ? (obj(item).parameters as unknown[]) : [])];
      params.push(...(Array.isArray(op.parameters) ? (op.parameters as unknown[]) : []));
      for (const raw of params) {
        const p = resolve(doc, raw);
        if ((p.in !== "path" && p.in !== "query") || typeof p.name !== "string") continue;
        const schema = resolve(doc, p.schema ?? p);
        const ex = exampleOf(p) ?? exampleOf(schema);
        fields.push({
          name: p.name,
          in: p.in,
          type: typeOf(schema),
          required: p.in === "path" || p.required === true,
          ...(ex !== undefined ? { example: ex } : {}),
        });
      }
      let body_type: Target["body_type"] = "json";
      const content = obj(obj(resolve(doc, op.requestBody)).content);
      const media = content["application/json"]
        ? "application/json"
        : content["application/x-www-form-urlencoded"]
          ? "application/x-www-form-urlencoded"
          : undefined;
      if (media) {
        body_type = media === "application/json" ? "json" : "form";
        const schema = resolve(doc, obj(content[media]).schema);
        const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
        for (const [name, s] of Object.entries(obj(schema.properties))) {
          const r = resolve(doc, s);
          const ex = exampleOf(r);
          fields.push({
            name,
            in: "body",
            type: typeOf(r),
            required: required.includes(name),
            ...(ex !== undefined ? { example: ex } : {}),
          });
        }
      }
      const security = Array.isArray(op.security) ? op.security : globalSecurity;
      const auth = security.length > 0 && !security.some((s) => Object.keys(obj(s)).length === 0);
      out.push({
        method: method.toUpperCase(),
        path: prefix + path,
        fields,
        body_type,
        auth,
        source: "openapi",
        answers: answerFields(doc, op.responses),
        html: Object.entries(obj(op.responses)).some(
          ([status, r]) => /^2/.test(status) && Object.keys(obj(obj(r).content)).some((m) => /html/i.test(m)),
        ),
      });
    }
  }
  return out;
}

export type CrawlOptions = {
  maxPages?: number;
  maxDepth?: number;
  timeMs?: number;
  /** Adds a signed-in session to each request (Session.apply), so pages behind the login are crawled too. */
  session?: (req: HttpRequest) => HttpRequest;
  /** Pages to start from besides "/". */
  start?: string[];
};

const attr = (tag: string, name: string) =>
  new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i")
    .exec(tag)
    ?.slice(1)
    .find((x) => x !== undefined);
const unescape = (s: string) =>
  s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

/**
 * A bounded crawl: same origin only (anything else is dropped before it is requested), GET
 * only (forms are read, never submitted), at most `maxPages` pages, `maxDepth` links deep and
 * `timeMs` in all. Links with a query become targets with query fields (their values as
 * examples); forms become targets with their inputs; every page and asset path is a target.
 */
export async function crawl(base: string, opts: CrawlOptions = {}): Promise<Target[]> {
  const root = assertLoopbackUrl(base);
  const http = new HttpClient(root, { timeoutMs: 3_000, maxRequests: (opts.maxPages ?? 40) + 5 });
  const signed = Boolean(opts.session);
  const apply = opts.session ?? ((r: HttpRequest) => r);
  const until = Date.now() + (opts.timeMs ?? 8_000);
  const seen = new Set<string>();
  const targets = new Map<string, Target>();
  const add = (t: Target) => {
    const key = `${t.method} ${t.path} ${t.fields.map((f) => f.name).join(",")}`;
    if (!targets.has(key)) targets.set(key, t);
  };
  const queue: Array<{ path: string; depth: number }> = ["/", ...(opts.start ?? [])].map((path) => ({
    path,
    depth: 0,
  }));
  const local = (href: string, from: string): URL | undefined => {
    try {
      const u = new URL(unescape(href), new URL(from, root));
      return u.origin === root.origin && /^https?:$/.test(u.protocol) ? u : undefined;
    } catch {
      return undefined;
    }
  };
  while (queue.length && seen.size < (opts.maxPages ?? 40) && Date.now() < until) {
    const { path, depth } = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const res = await http.send(apply({ path })).catch(() => undefined);
    if (!res) continue;
    const u = new URL(path, root);
    const query = [...u.searchParams].map(([name, value]): Field => ({
      name,
      in: "query",
      type: "string",
      required: true,
      example: value,
    }));
    add({
      method: "GET",
      path: u.pathname,
      fields: query,
      body_type: "form",
      auth: signed,
      source: "crawl",
      page: path,
      html: /html/i.test(res.header("content-type") ?? ""),
    });
    const location = res.header("location");
    const next: string[] = [];
    if (res.status >= 300 && res.status < 400 && location) next.push(location);
    if (/html/i.test(res.header("content-type") ?? "")) {
      const html = res.body;
      for (const m of html.matchAll(/<(?:a|link|script|img|iframe)\b[^>]*>/gi)) {
        const href = attr(m[0], "href") ?? attr(m[0], "src");
        if (href) next.push(href);
      }
      for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
        const action = local(attr(m[0], "action") || path, path);
        if (!action) continue;
        const method = (attr(m[0], "method") ?? "GET").toUpperCase() === "POST" ? "POST" : "GET";
        const fields: Field[] = [];
        for (const i of m[2]!.matchAll(/<(input|textarea|select)\b[^>]*>/gi)) {
          const name = attr(i[0], "name");
          if (!name) continue;
          const type = (attr(i[0], "type") ?? "text").toLowerCase();
          if (type === "submit" || type === "button" || type === "file") continue;
          const value = attr(i[0], "value");
          fields.push({
            name,
            in: method === "GET" ? "query" : "body",
            type: "string",
            required: /\srequired\b/i.test(i[0]),
            ...(value !== undefined ? { example: unescape(value) } : {}),
            ...(type === "hidden" ? { hidden: true } : {}),
            ...(type === "password" ? { example: "" } : {}),
          });
        }
        add({
          method,
          path: action.pathname,
          fields,
          body_type: "form",
          auth: signed,
          source: "crawl",
          page: path,
          html: true,
        });
      }
    }
    if (depth >= (opts.maxDepth ?? 3)) continue;
    for (const href of next) {
      const v = local(href, path);
      if (!v) continue;
      const p = v.pathname + v.search;
      if (!seen.has(p) && !/\/(logout|signout|sign-out|log-out)\b/i.test(v.pathname))
        queue.push({ path: p, depth: depth + 1 });
    }
  }
  return [...targets.values()];
}

/** The folders above every discovered path (`/public/img/a.png` → `/public/img/`, `/public/`), for directory listing. */
export function parentFolders(targets: readonly Target[], max = 20): string[] {
  const out = new Set<string>(["/"]);
  for (const t of targets) {
    const parts = t.path.split("/").slice(1, -1);
    for (let i = parts.length; i >= 1; i--) {
      const folder = `/${parts.slice(0, i).join("/")}/`;
      if (!folder.includes("{")) out.add(folder);
    }
  }
  return [...out].slice(0, max);
}
