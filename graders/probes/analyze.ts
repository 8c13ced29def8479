/** Reading responses: can injected markup run here, does a body leak internals, are two answers "the same". */
import type { HttpResponse } from "./http.ts";

/** The media type, lower-case, without parameters; "" when absent. */
export function mediaType(res: HttpResponse): string {
  return (res.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

const MARKUP_TYPES = new Set(["text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"]);

/** Browsers render it as markup: an HTML/XML/SVG type, or no Content-Type at all (they sniff). */
export function rendersMarkup(res: HttpResponse): boolean {
  const t = mediaType(res);
  return t === "" || MARKUP_TYPES.has(t);
}

/** The enforced CSP policies (not Report-Only), each as directive → sources. */
export function cspPolicies(res: HttpResponse): Map<string, string[]>[] {
  const raw = res.headers["content-security-policy"];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return values
    .flatMap((v) => v.split(","))
    .map((policy) => {
      const m = new Map<string, string[]>();
      for (const d of policy.split(";")) {
        const [name, ...sources] = d.trim().split(/\s+/);
        if (name && !m.has(name.toLowerCase())) m.set(name.toLowerCase(), sources);
      }
      return m;
    });
}

/**
 * An enforced policy stops injected inline script (`<script>…</script>`, `onerror=`): its
 * `script-src` (or, without one, `default-src`) lacks 'unsafe-inline', or carries a nonce or
 * hash or 'strict-dynamic' (which make browsers ignore 'unsafe-inline').
 */
export function cspBlocksInlineScript(res: HttpResponse): boolean {
  return cspPolicies(res).some((p) => {
    const src = p.get("script-src") ?? p.get("default-src");
    if (!src) return false;
    const s = src.map((x) => x.toLowerCase());
    return !s.includes("'unsafe-inline'") || s.some((x) => /^'(nonce-|sha(256|384|512)-|strict-dynamic')/.test(x));
  });
}

/**
 * Whether markup `payload` found in this response could run in a browser. It is safe when it
 * is not there verbatim (escaped or removed), when the response is not rendered as markup
 * (JSON, text/plain, …), or when an enforced CSP blocks inline script.
 */
export function xssVerdict(res: HttpResponse, payload: string): { executable: boolean; why: string } {
  if (!res.body.includes(payload)) return { executable: false, why: "the markup came back escaped or not at all" };
  if (!rendersMarkup(res))
    return {
      executable: false,
      why: `it came back unescaped but as ${mediaType(res)}, which browsers do not render as HTML`,
    };
  if (cspBlocksInlineScript(res))
    return {
      executable: false,
      why: "it came back unescaped in HTML, but the Content-Security-Policy blocks inline script (escape it anyway)",
    };
  return {
    executable: true,
    why: `it came back verbatim in ${mediaType(res) || "a response without Content-Type"} with no CSP that blocks inline script`,
  };
}

export const SQL_ERRORS: RegExp[] = [
  /SQLITE_[A-Z]+/,
  /sqlite3?\.|SqliteError/i,
  /unrecognized token|incomplete input|near ".{0,40}": syntax error/i,
  /You have an error in your SQL syntax/i,
  /unterminated quoted string/i,
  /syntax error at or near/i,
  /\bORA-\d{5}\b/,
  /PG::[A-Z]\w+|PostgreSQL.{0,40}ERROR|psql:/,
  /SQLSTATE\[/,
  /Microsoft OLE DB|ODBC SQL Server Driver|Unclosed quotation mark/i,
  /\bMySQL(?:i)?\b.{0,40}(?:error|syntax)|ER_PARSE_ERROR|ER_BAD_FIELD_ERROR/i,
  /quoted string not properly terminated/i,
];

export type Leak = { kind: string; match: string };

const LEAKS: Array<{ kind: string; re: RegExp }> = [
  {
    kind: "a stack trace",
    re: /\n\s*at (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\n)]*:\d+:\d+\)?/,
  },
  { kind: "a stack trace", re: /(?:<br>|\n)\s*(?:&nbsp;|\s)*at\s[^<\n]*:\d+:\d+/ },
  { kind: "a stack trace", re: /Traceback \(most recent call last\)|Exception in thread "|\.java:\d+\)/ },
  // A server-side path: a known root, at least one folder, a source file; not a src/href URL.
  {
    kind: "a file path",
    re: /(?<!(?:src|href|action)=["']?)(?:file:\/\/)?\/(?:home|root|usr|var|opt|srv|app|workspace|tmp|Users|work)\/(?:[\w.@-]+\/)+[\w.@-]+\.(?:[cm]?js|ts|tsx|py|rb|php|go|java)\b/,
  },
  { kind: "a file path", re: /[A-Za-z]:\\(?:[\w .-]+\\)+[\w .-]+\.(?:js|ts|py|cs|java)\b/ },
  { kind: "a node_modules path", re: /node_modules[\\/][\w@.-]+/ },
  {
    kind: "environment variables",
    re: /\b(?:NODE_ENV|DATABASE_URL|JWT_SECRET|SECRET_KEY|AWS_SECRET_ACCESS_KEY|API_KEY|PASSWORD)\s*[=:]\s*["']?[^\s"',}]{2,}/,
  },
  { kind: "environment variables", re: /"(?:PATH|HOME|HOSTNAME|NODE_ENV)"\s*:\s*"/ },
  {
    kind: "a framework error page",
    re: /<title>Error<\/title>[\s\S]{0,200}<pre>[A-Za-z]*Error|Whitelabel Error Page|Werkzeug Debugger|DEBUG = True|Symfony\\Component|Illuminate\\|Django Version:/,
  },
  // Express's default page with an error's name in it ("<pre>SyntaxError: Unexpected …"); its
  // bare "Cannot POST /" and status-text pages give nothing away and are not flagged.
  { kind: "a framework error page", re: /<title>Error<\/title>\s*<\/head>\s*<body>\s*<pre>\w*(?:Error|Exception)\b/ },
  { kind: "a database error", re: new RegExp(SQL_ERRORS.map((r) => r.source).join("|"), "i") },
];

/** What `body` gives away about the service's internals. */
export function findLeaks(body: string): Leak[] {
  const out: Leak[] = [];
  // A stack inside a JSON string has its line breaks escaped ("\\n    at …").
  const text = body.includes("\\n") ? `${body}\n${body.replace(/\\n/g, "\n")}` : body;
  for (const { kind, re } of LEAKS) {
    const m = re.exec(text);
    if (m && !out.some((l) => l.kind === kind)) out.push({ kind, match: m[0].trim().slice(0, 120) });
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A body with the volatile parts replaced, so two answers can be compared: the given strings
 * (usernames, payloads) in their raw, JSON-escaped, HTML-escaped and URL-encoded spellings,
 * UUIDs, ISO timestamps, long tokens and numbers.
 */
export function normalizeBody(body: string, strip: string[] = []): string {
  let out = body;
  const spellings = new Set<string>();
  for (const s of strip.filter((x) => x.length > 0)) {
    spellings.add(s);
    spellings.add(JSON.stringify(s).slice(1, -1));
    spellings.add(
      s
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&#39;"),
    );
    spellings.add(
      s
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&#x27;"),
    );
    spellings.add(encodeURIComponent(s));
  }
  for (const s of [...spellings].sort((a, b) => b.length - a.length))
    out = out.replace(new RegExp(escapeRe(s), "g"), "§");
  return out
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, "<time>")
    .replace(/[A-Za-z0-9_\-+/=.]{24,}/g, "<token>")
    .replace(/\d+/g, "<n>")
    .trim();
}

/** The shape of a JSON value: keys and types, not values. */
export function jsonShape(v: unknown): string {
  if (Array.isArray(v)) return `[${v.length ? jsonShape(v[0]) : ""}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${k}:${jsonShape((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return v === null ? "null" : typeof v;
}

/** Whether a JSON value holds `key` with a value equal to `expected` anywhere inside. */
export function findField(v: unknown, key: string, expected: unknown, depth = 0): boolean {
  if (depth > 6 || !v || typeof v !== "object") return false;
  if (Array.isArray(v)) return v.some((x) => findField(x, key, expected, depth + 1));
  for (const [k, x] of Object.entries(v)) {
    if (k === key && looseEqual(x, expected)) return true;
    if (findField(x, key, expected, depth + 1)) return true;
  }
  return false;
}

/** `true` matches 1 and "true" too (databases store booleans as integers). */
function looseEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof b === "boolean") return a === (b ? 1 : 0) || a === String(b) || a === (b ? "1" : "0");
  if (typeof b === "number") return a === String(b);
  if (typeof b === "string") return typeof a === "number" && String(a) === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Wording of a refusal; an answer that has it where the legitimate one had none is a refusal. */
const REFUSAL =
  /\b(?:error|invalid|unauthori[sz]ed|forbidden|denied|expired|not allowed|sign in|log ?in required|authentication required)\b/i;

/**
 * Whether `res` is the same kind of answer as the legitimate `legit`: 2xx, and the same JSON
 * shape (keys and types), or for other bodies no refusal wording the legitimate one lacks and
 * a similar length. A `200 {"error": …}` is not the `200 {"user": …}` it stands in for.
 */
export function resembles(res: HttpResponse, legit: HttpResponse): boolean {
  if (res.status < 200 || res.status > 299) return false;
  const want = legit.json();
  if (want !== undefined) {
    const got = res.json();
    return got !== undefined && jsonShape(got) === jsonShape(want);
  }
  if (REFUSAL.test(res.body) && !REFUSAL.test(legit.body)) return false;
  return Math.abs(res.body.length - legit.body.length) <= Math.max(40, legit.body.length / 4);
}
