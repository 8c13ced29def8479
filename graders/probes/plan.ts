/**
 * From discovered targets (discover.ts) and credentials to probe uses: which probe fits which
 * parameter (a URL to fetch, a redirect target, a file name, a searched text, a stored text,
 * an object id), how to sign in (the login and sign-up operations or the login form), and
 * which folders to check for listings. Bounded: a few uses per probe, most telling first.
 */
import type { Field, Target } from "./discover.ts";
import { parentFolders } from "./discover.ts";
import type { ProbeUse } from "./run.ts";

export type Credentials = {
  /** Existing accounts (`--user name:password`). */
  users?: Array<{ username: string; password: string; email?: string }>;
  /** Sessions given directly (`--cookie`, `--bearer`). */
  sessions?: Array<{ cookie: string } | { bearer: string }>;
};

export type Plan = { uses: ProbeUse[]; auth?: Record<string, unknown>; notes: string[] };

const SSRF =
  /^(url|uri|link|href|callback|callback_?url|webhook|webhook_?url|endpoint|feed|src|source_?url|image_?url|avatar_?url|target_?url|fetch|remote)$/i;
const REDIRECT =
  /^(to|next|redirect|redirect_?ur[il]|redirect_?to|return|return_?to|return_?url|returnurl|url|dest|destination|continue|goto|forward|r)$/i;
const FILE =
  /^(file|filename|file_?name|path|filepath|doc|document|attachment|download|name|template|page|img|image)$/i;
const TEXT = /^(text|comment|body|content|message|title|bio|description|note|review|name|subject)$/i;
const CSRF = /^(_csrf|csrf|csrf_?token|_token|authenticity_token|csrfmiddlewaretoken|xsrf)$/i;
const ID = /^(id|_id|[a-z]+Id|[a-z]+_id)$/;
const PASSWORD = /pass(word)?|pwd/i;
const isLogin = (t: Target) =>
  t.method === "POST" &&
  t.fields.some((f) => f.in === "body" && PASSWORD.test(f.name)) &&
  /(log-?in|sign-?in|session|auth(enticate)?|token)$/i.test(t.path.replace(/\/+$/, ""));
const isSignup = (t: Target) =>
  t.method === "POST" &&
  t.fields.some((f) => f.in === "body" && PASSWORD.test(f.name)) &&
  /(sign-?up|register|users|accounts)$/i.test(t.path.replace(/\/+$/, ""));

function credentialBody(t: Target): Record<string, string> {
  const body: Record<string, string> = {};
  for (const f of t.fields.filter((x) => x.in === "body")) {
    if (PASSWORD.test(f.name)) body[f.name] = "{password}";
    else if (/mail/i.test(f.name)) body[f.name] = "{email}";
    else if (/user|login|name|handle/i.test(f.name)) body[f.name] = "{username}";
    else if (f.hidden && CSRF.test(f.name)) body[f.name] = "{csrf}";
    else if (f.required || f.hidden) body[f.name] = f.example ?? "probe";
  }
  return body;
}

/** The `auth` spec every signing-in probe gets, from the login (and sign-up) operation or form. */
export function authFrom(targets: readonly Target[], creds: Credentials): Record<string, unknown> | undefined {
  if (creds.sessions?.length) {
    const page = targets.find((t) => t.source === "crawl" && t.fields.some((f) => f.hidden && CSRF.test(f.name)));
    return { sessions: creds.sessions, ...(page?.page ? { csrf: { page: page.page } } : {}) };
  }
  const login = targets.find(isLogin);
  if (!login) return undefined;
  const signup = targets.find(isSignup);
  if (!creds.users?.length && !signup) return undefined;
  const auth: Record<string, unknown> = {
    login: { method: "POST", path: login.path, body: credentialBody(login), body_type: login.body_type },
  };
  if (creds.users?.length) auth.users = creds.users;
  else if (signup)
    auth.signup = { method: "POST", path: signup.path, body: credentialBody(signup), body_type: signup.body_type };
  const answers = login.answers ?? [];
  const token = answers.find((a) => /(^|\.)(access_?token|token|jwt|id_?token)$/i.test(a) && !/refresh|csrf/i.test(a));
  if (token) auth.token = token;
  const csrfAnswer = answers.find((a) => /(^|\.)csrf_?token$/i.test(a));
  const csrfField = login.fields.find((f) => f.hidden && CSRF.test(f.name));
  if (csrfAnswer) auth.csrf = { token: csrfAnswer };
  else if (csrfField) {
    // After the login the token is read from a signed-in page with a form that carries it.
    const after = targets.find(
      (t) => t !== login && t.auth && t.page && t.fields.some((f) => f.hidden && CSRF.test(f.name)),
    );
    auth.csrf = { login_page: login.page ?? login.path, page: after?.page ?? login.page ?? login.path };
  }
  return auth;
}

/** The path with every path parameter but `except` filled by its example ("1" when it has none). */
function pathOf(t: Target, vars: Record<string, string> = {}): string {
  let path = t.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (name in vars) return vars[name]!;
    const f = t.fields.find((x) => x.in === "path" && x.name === name);
    return encodeURIComponent(f?.example ?? "1");
  });
  const query: string[] = [];
  for (const f of t.fields.filter((x) => x.in === "query")) {
    if (f.name in vars) query.push(`${encodeURIComponent(f.name)}=${vars[f.name]}`);
    else if (f.required || f.example !== undefined)
      query.push(`${encodeURIComponent(f.name)}=${encodeURIComponent(f.example ?? "probe")}`);
  }
  if (query.length) path += `?${query.join("&")}`;
  return path;
}

/** A request template for `t` with `{placeholder}` in `field` (and the other fields at their examples). */
function template(t: Target, field: Field | undefined, placeholder: string): Record<string, unknown> {
  const inUrl = field && (field.in === "path" || field.in === "query");
  const out: Record<string, unknown> = {
    method: t.method,
    path: pathOf(t, inUrl ? { [field.name]: `{${placeholder}}` } : {}),
  };
  const bodyFields = t.fields.filter((f) => f.in === "body");
  if (bodyFields.length || (field && field.in === "body")) {
    const body: Record<string, unknown> = {};
    for (const f of bodyFields) {
      if (field && f === field) body[f.name] = `{${placeholder}}`;
      else if (f.hidden && CSRF.test(f.name)) body[f.name] = "{csrf}";
      else if (f.required || f.hidden || f.example !== undefined)
        body[f.name] =
          f.type === "number" || f.type === "integer"
            ? Number(f.example ?? 1)
            : f.type === "boolean"
              ? f.example === "true"
              : f.type === "string"
                ? (f.example ?? `probe {marker}`)
                : f.type === "array"
                  ? []
                  : {};
    }
    out.body = body;
    out.body_type = t.body_type;
  }
  return out;
}

const stringFields = (t: Target) => t.fields.filter((f) => f.type === "string" && !f.hidden && !PASSWORD.test(f.name));

/** Probe uses for every target that fits a probe; `auth` goes to every use on a route that needs it. */
export function planProbes(targets: readonly Target[], creds: Credentials = {}): Plan {
  const notes: string[] = [];
  const auth = authFrom(targets, creds);
  const uses: ProbeUse[] = [];
  const seen = new Set<string>();
  const add = (use: ProbeUse, t?: Target, max = 4) => {
    const n = uses.filter((u) => u.probe === use.probe).length;
    const key = JSON.stringify(use);
    if (n >= max || seen.has(key)) return;
    seen.add(key);
    if (t?.auth && auth && !("auth" in use)) use = { ...use, auth };
    if (t?.auth && !auth) notes.push(`${use.probe} on ${t.method} ${t.path} runs signed out: give --user or --cookie`);
    uses.push(use);
  };
  const attackable = targets.filter((t) => !isLogin(t) && !isSignup(t));
  const gets = attackable.filter((t) => t.method === "GET" && !t.fields.some((f) => f.in === "path"));
  const pages = [...new Set(["/", ...gets.filter((t) => !t.auth).map((t) => pathOf(t))])].slice(0, 8);
  add({ probe: "security-headers", paths: pages.slice(0, 5) });
  add({ probe: "cors-any-origin", paths: pages.slice(0, 5) });
  add({ probe: "directory-listing", paths: parentFolders(targets) });
  const requests = attackable
    .filter((t) => t.method !== "GET" && !t.fields.some((f) => f.hidden))
    .slice(0, 8)
    .map((t) => ({ method: t.method, path: pathOf(t), body: {}, body_type: "json" }));
  add({ probe: "error-leak", paths: pages.slice(0, 3), ...(requests.length ? { requests } : {}) });

  for (const t of attackable) {
    for (const f of stringFields(t)) {
      if (SSRF.test(f.name) && !(t.method === "GET" && REDIRECT.test(f.name)))
        add({ probe: "ssrf-loopback", request: template(t, f, "payload") }, t);
      if (REDIRECT.test(f.name) && t.method === "GET")
        add({ probe: "open-redirect", request: template(t, f, "payload") }, t);
      if (FILE.test(f.name) && f.example && /\.\w{1,8}$/.test(f.example))
        add({ probe: "path-traversal", request: template(t, f, "payload"), legit: f.example }, t);
      if (f.example && !FILE.test(f.name) && !SSRF.test(f.name) && !REDIRECT.test(f.name) && t.method === "GET")
        add({ probe: "sqli", request: template(t, f, "payload"), known: f.example }, t, 3);
      if (t.html && t.method === "GET" && f.in === "query" && !SSRF.test(f.name) && !REDIRECT.test(f.name))
        add({ probe: "xss-reflected", request: template(t, f, "payload") }, t, 3);
      if (t.method !== "GET" && f.in === "body" && TEXT.test(f.name)) {
        const read =
          attackable.find((r) => r.method === "GET" && r.path === t.path) ?? (t.page ? { path: t.page } : undefined);
        if (read)
          add(
            {
              probe: "xss-stored",
              write: template(t, f, "payload"),
              read: { path: "path" in read && "fields" in read ? pathOf(read as Target) : read.path },
            },
            t,
            2,
          );
      }
    }
  }
  // Files served from a folder (crawled assets): /folder/{payload} with a file seen there.
  const assets = targets.filter(
    (t) => t.source === "crawl" && /\/[^/]+\.\w{1,8}$/.test(t.path) && t.path.split("/").length > 2,
  );
  for (const a of assets.slice(0, 2)) {
    const i = a.path.lastIndexOf("/");
    add(
      { probe: "path-traversal", request: { path: `${a.path.slice(0, i)}/{payload}` }, legit: a.path.slice(i + 1) },
      a,
    );
  }
  // Objects by id: A's ids (from A's listings) read as B and anonymously.
  for (const t of attackable.filter((x) => x.method === "GET")) {
    const ids = t.fields.filter((f) => f.in === "path");
    if (ids.length !== 1 || !ID.test(ids[0]!.name) || !t.path.endsWith(`{${ids[0]!.name}}`) || !auth) continue;
    // Listings that show a signed-in user's own objects: the signed-in GETs without parameters.
    const lists = gets.filter((g) => g.auth);
    const parent = t.path.slice(0, t.path.lastIndexOf("/"));
    const ordered = [...lists.filter((g) => g.path === parent), ...lists.filter((g) => g.path !== parent)].slice(0, 3);
    if (ordered.length)
      add(
        {
          probe: "idor-existing",
          auth,
          list: ordered.map((g) => ({ path: pathOf(g) })),
          read: { path: pathOf(t, { [ids[0]!.name]: "{id}" }) },
        },
        t,
        3,
      );
  }
  // Bearer tokens: forge them against a route that needs one.
  if (auth && (auth.token || creds.sessions?.some((s) => "bearer" in s))) {
    const me = gets
      .filter((g) => g.auth)
      .sort(
        (x, y) => Number(/me|profile|account|user/i.test(y.path)) - Number(/me|profile|account|user/i.test(x.path)),
      )[0];
    if (me)
      for (const probe of ["jwt-alg-none", "jwt-tampered", "jwt-weak-secret"])
        add({ probe, auth, check: { path: pathOf(me) } });
  }
  if (!auth && targets.some((t) => t.auth))
    notes.push("some routes need a session: give --user name:password (twice for IDOR) or --cookie");
  return { uses, ...(auth ? { auth } : {}), notes };
}
