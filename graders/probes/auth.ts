/**
 * Accounts for probes that need a signed-in user: `auth` in a probe's parameters says how to
 * sign up (optional), how to log in, and where the token is (or that the session is a cookie).
 */
import { z } from "zod";
import { CookieJar, type HttpRequest, type HttpResponse } from "./http.ts";
import { exchange, LegitFailure, line, random } from "./report.ts";
import { getPath, hasPlaceholder, RequestTemplate, toRequest, type Vars } from "./template.ts";
import { ProbeSetupError, type ProbeContext } from "./types.ts";

export const Account = z.strictObject({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(200),
  email: z.string().max(200).optional(),
});
export type Account = { username: string; password: string; email: string };

/** A session given directly instead of a login: a Cookie header value, or a bearer token. */
export const GivenSession = z
  .strictObject({
    /** `sid=…; other=…`, as a browser's Cookie header. */
    cookie: z.string().min(3).max(4000).optional(),
    /** A token sent as `<auth.header>: <auth.scheme> <token>`. */
    bearer: z.string().min(1).max(4000).optional(),
  })
  .refine((g) => g.cookie || g.bearer, { message: "give `cookie` or `bearer`" });

/** What tells a login that worked from one that did not; default: see `loginWorked`. */
export const LoginSuccess = z.strictObject({
  /** Statuses of a login that worked, e.g. [302]. */
  status: z.array(z.number().int().min(100).max(599)).min(1).max(10).optional(),
  /** Text the Location of a login that worked contains, e.g. "/dashboard". */
  redirect: z.string().min(1).max(200).optional(),
  /** A cookie a login that worked sets. */
  cookie: z
    .string()
    .regex(/^[\w.-]+$/)
    .max(100)
    .optional(),
  /** Dotted path of a field that is present and truthy in the JSON of a login that worked. */
  field: z.string().min(1).max(200).optional(),
});

export const AuthSpec = z
  .strictObject({
    /** Sent once per account before logging in (2xx, or 409 when the account exists). */
    signup: RequestTemplate.optional(),
    /** Uses {username}, {password}, {email} and {csrf}; JSON or `body_type: form`. */
    login: RequestTemplate.optional(),
    /** How to tell that the login worked (default: 2xx, or a redirect that is not back to the login page). */
    success: LoginSuccess.optional(),
    /** Dotted path of the access token in the login response's JSON; omit for a cookie session. */
    token: z.string().min(1).max(200).optional(),
    /** Where the token goes on requests. */
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .default("authorization"),
    /** Prefix of the header value; "" sends the bare token. */
    scheme: z.string().max(40).default("Bearer"),
    /** Existing accounts; without them the probe creates fresh ones through `signup`. */
    users: z.array(Account).min(1).max(5).optional(),
    /** Sessions given directly (`--cookie`, `--bearer`): no login; one per user. */
    sessions: z.array(GivenSession).min(1).max(5).optional(),
    /**
     * A synchronizer CSRF token: `token` is its dotted path in the login response's JSON, or
     * `page` a page whose form holds it (a hidden input `field`, default `_csrf`, `csrf`,
     * `csrf_token` or `authenticity_token`, or a `<meta name="csrf-token">`), read before the
     * login (for the login form) and after it. It goes back in `header` on every request of
     * the session, and is `{csrf}` in templates (for a form field).
     */
    csrf: z
      .strictObject({
        token: z.string().min(1).max(200).optional(),
        page: z.string().startsWith("/").max(500).optional(),
        /** The page of the login form, read before logging in when `login` uses {csrf} (default: GET of the login path). */
        login_page: z.string().startsWith("/").max(500).optional(),
        field: z.string().min(1).max(100).optional(),
        header: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/)
          .default("x-csrf-token"),
      })
      .refine((c) => c.token || c.page, {
        message: "give `token` (in the login JSON) or `page` (a form that holds it)",
      })
      .optional(),
  })
  .refine((a) => a.sessions || (a.login && (a.signup || a.users)), {
    message:
      "give `login` with `users` (existing accounts) or `signup` (so the probe can create accounts), or `sessions` (a cookie or bearer token per user)",
  });
export type AuthSpec = z.output<typeof AuthSpec>;

export type Session = {
  account: Account;
  jar: CookieJar;
  token: string | undefined;
  /** The session's CSRF token when `auth.csrf` says where the service gives it. */
  csrfToken: string | undefined;
  /** None for a session given directly. */
  loginResponse: HttpResponse | undefined;
  /** Adds this session's token header and cookies to a request. */
  apply(req: HttpRequest): HttpRequest;
};

/** The login template, or a setup error for a probe that must log in itself. */
export function loginOf(spec: AuthSpec, probe: string): RequestTemplate {
  if (!spec.login)
    throw new ProbeSetupError(`${probe} logs in itself: give \`auth.login\` (and \`users\` or \`signup\`)`);
  return spec.login;
}

/** The i-th account: a configured one, or a freshly generated one. */
export function accountFor(spec: AuthSpec, i: number): Account {
  const given = spec.users?.[i];
  if (given) return { ...given, email: given.email ?? `${given.username}@example.test` };
  if (!spec.signup)
    throw new ProbeSetupError(
      `the probe needs ${i + 1} accounts but \`auth.users\` lists ${spec.users?.length ?? 0} and there is no \`auth.signup\``,
    );
  const username = `probe${String.fromCharCode(97 + i)}${random(3)}`;
  return { username, password: `Pr0be-${random(6)}!`, email: `${username}@example.test` };
}

export const accountVars = (a: Account): Vars => ({ username: a.username, password: a.password, email: a.email });

export function withToken(spec: AuthSpec, req: HttpRequest, token: string | undefined, jar?: CookieJar): HttpRequest {
  const headers = { ...(req.headers ?? {}) };
  if (token !== undefined) headers[spec.header.toLowerCase()] = spec.scheme ? `${spec.scheme} ${token}` : token;
  return { ...req, headers, ...(jar ? { jar } : {}) };
}

/** Creates the account through `signup` when the spec has one and the account is not a configured one. */
export async function ensureAccount(ctx: ProbeContext, spec: AuthSpec, i: number, account: Account): Promise<void> {
  if (!spec.signup || spec.users?.[i] || spec.sessions) return;
  const res = await ctx.http.send(toRequest(spec.signup, accountVars(account)));
  if ((res.status < 200 || res.status > 299) && res.status !== 409) {
    throw new LegitFailure(
      `Signing up ${account.username} did not work: ${line(res)}. The probe creates its own accounts; signup must keep working.`,
      exchange(res),
    );
  }
}

/** The CSRF token a page's form (or meta tag) holds. */
export function csrfFromPage(html: string, field?: string): string | undefined {
  const names = field ? [field] : ["_csrf", "csrf", "csrf_token", "csrfToken", "authenticity_token", "_token"];
  for (const name of names) {
    const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const input = new RegExp(`<input[^>]*name=["']?${esc}["']?[^>]*>`, "i").exec(html)?.[0];
    const value = input && /value=["']([^"']*)["']/i.exec(input)?.[1];
    if (value) return value;
  }
  return /<meta[^>]+name=["']csrf-token["'][^>]*content=["']([^"']+)["']/i.exec(html)?.[1];
}

/**
 * Whether the login worked: by `success` when given (every condition it names), else a 2xx,
 * or a redirect that does not lead back to the login page (the usual form-login 302).
 */
export function loginWorked(spec: AuthSpec, res: HttpResponse, loginPath: string): boolean {
  const w = spec.success;
  const location = res.header("location") ?? "";
  if (w) {
    if (w.status && !w.status.includes(res.status)) return false;
    if (!w.status && (res.status < 200 || res.status > 399)) return false;
    if (w.redirect && !location.includes(w.redirect)) return false;
    if (w.cookie && !res.setCookies.some((c) => c.trim().startsWith(`${w.cookie}=`))) return false;
    if (w.field && !getPath(res.json(), w.field)) return false;
    return true;
  }
  if (res.status >= 200 && res.status <= 299) return true;
  if (res.status < 300 || res.status > 399) return false;
  const to = location.split(/[?#]/)[0]!;
  return to !== "" && !to.endsWith(loginPath.split("?")[0]!);
}

function sessionOf(
  spec: AuthSpec,
  account: Account,
  jar: CookieJar,
  token: string | undefined,
  csrfToken: string | undefined,
  res: HttpResponse | undefined,
): Session {
  const csrf = spec.csrf;
  const apply = (req: HttpRequest): HttpRequest => {
    const out = withToken(spec, req, token, jar);
    return csrf && csrfToken ? { ...out, headers: { ...out.headers, [csrf.header.toLowerCase()]: csrfToken } } : out;
  };
  return { account, jar, token, csrfToken, loginResponse: res, apply };
}

/** A session handed over directly (`auth.sessions[i]`); its CSRF token read from `auth.csrf.page`. */
async function givenSession(ctx: ProbeContext, spec: AuthSpec, i: number): Promise<Session> {
  const g = spec.sessions![i]!;
  const jar = new CookieJar();
  for (const pair of (g.cookie ?? "").split(";")) jar.store([pair.trim()]);
  const csrf = await pageToken(ctx, spec, jar, spec.csrf?.page);
  return sessionOf(spec, { username: `session${i + 1}`, password: "", email: "" }, jar, g.bearer, csrf, undefined);
}

async function pageToken(ctx: ProbeContext, spec: AuthSpec, jar: CookieJar, path: string | undefined) {
  if (!path) return undefined;
  const page = await ctx.http.send({ path, jar });
  return csrfFromPage(page.body, spec.csrf?.field);
}

/** Logs in; a login that does not work is a LegitFailure (the probe could not run). */
export async function login(ctx: ProbeContext, spec: AuthSpec, account: Account): Promise<Session> {
  if (!spec.login) throw new ProbeSetupError("the probe needs `auth.login` to sign in");
  const jar = new CookieJar();
  const before = hasPlaceholder(spec.login, "csrf")
    ? await pageToken(ctx, spec, jar, spec.csrf?.login_page ?? spec.login.path.split("?")[0])
    : undefined;
  const res = await ctx.http.send({
    ...toRequest(spec.login, { ...accountVars(account), ...(before ? { csrf: before } : {}) }),
    ...(before && spec.csrf
      ? { headers: { ...toRequest(spec.login, {}).headers, [spec.csrf.header.toLowerCase()]: before } }
      : {}),
    jar,
  });
  if (!loginWorked(spec, res, spec.login.path))
    throw new LegitFailure(
      `Logging in as ${account.username} did not work: ${line(res)}${res.header("location") ? ` to ${res.header("location")}` : ""}. The probe needs a session before it can attack; give \`auth.success\` if the service signals success another way, or a session directly (--cookie, --bearer).`,
      exchange(res),
    );
  let token: string | undefined;
  if (spec.token) {
    const t = getPath(res.json(), spec.token);
    if (typeof t !== "string" || t === "")
      throw new LegitFailure(
        `Logging in as ${account.username} answered ${res.status} but the JSON has no token at \`${spec.token}\`.`,
        exchange(res),
      );
    token = t;
  } else if (jar.size === 0) {
    throw new LegitFailure(
      `Logging in as ${account.username} answered ${res.status} but set no cookie and \`auth.token\` is not given, so the probe has no session.`,
      exchange(res),
    );
  }
  let csrfToken: string | undefined;
  if (spec.csrf?.token) {
    const t = getPath(res.json(), spec.csrf.token);
    if (typeof t !== "string" || t === "")
      throw new LegitFailure(
        `Logging in as ${account.username} answered ${res.status} but the JSON has no CSRF token at \`${spec.csrf.token}\`.`,
        exchange(res),
      );
    csrfToken = t;
  } else if (spec.csrf?.page) {
    csrfToken = await pageToken(ctx, spec, jar, spec.csrf.page);
    if (!csrfToken)
      throw new LegitFailure(
        `After logging in as ${account.username}, ${spec.csrf.page} holds no CSRF token in a form field.`,
      );
  }
  return sessionOf(spec, account, jar, token, csrfToken, res);
}

/** `n` signed-in sessions (accounts created through signup when needed). */
export async function openSessions(ctx: ProbeContext, spec: AuthSpec, n: number): Promise<Session[]> {
  if (spec.sessions) {
    if (spec.sessions.length < n)
      throw new ProbeSetupError(
        `the probe needs ${n} signed-in users but ${spec.sessions.length} session${spec.sessions.length === 1 ? " was" : "s were"} given (one --cookie or --bearer per user)`,
      );
    const given: Session[] = [];
    for (let i = 0; i < n; i++) given.push(await givenSession(ctx, spec, i));
    return given;
  }
  const out: Session[] = [];
  for (let i = 0; i < n; i++) {
    const account = accountFor(spec, i);
    await ensureAccount(ctx, spec, i, account);
    out.push(await login(ctx, spec, account));
  }
  return out;
}

/** A session for optional `auth`: none when not configured. */
export async function maybeSession(ctx: ProbeContext, spec: AuthSpec | undefined): Promise<Session | undefined> {
  return spec ? (await openSessions(ctx, spec, 1))[0] : undefined;
}

export const applySession = (s: Session | undefined, req: HttpRequest) => (s ? s.apply(req) : req);
