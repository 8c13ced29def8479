/**
 * Accounts for probes that need a signed-in user: `auth` in a probe's parameters says how to
 * sign up (optional), how to log in, and where the token is (or that the session is a cookie).
 */
import { z } from "zod";
import { CookieJar, type HttpRequest, type HttpResponse } from "./http.ts";
import { exchange, expectOk, LegitFailure, line, random } from "./report.ts";
import { getPath, RequestTemplate, toRequest, type Vars } from "./template.ts";
import { ProbeSetupError, type ProbeContext } from "./types.ts";

export const Account = z.strictObject({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(200),
  email: z.string().max(200).optional(),
});
export type Account = { username: string; password: string; email: string };

export const AuthSpec = z
  .strictObject({
    /** Sent once per account before logging in (2xx, or 409 when the account exists). */
    signup: RequestTemplate.optional(),
    /** Uses {username}, {password}, {email}. */
    login: RequestTemplate,
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
    /**
     * A synchronizer CSRF token the service hands out at login: `token` is its dotted path in
     * the login response's JSON, `header` the request header it goes back in on every request
     * of the session (the lab itself: `{ token: csrfToken, header: x-csrf-token }`).
     */
    csrf: z
      .strictObject({
        token: z.string().min(1).max(200),
        header: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/)
          .default("x-csrf-token"),
      })
      .optional(),
  })
  .refine((a) => a.signup || a.users, {
    message: "give `users` (existing accounts) or `signup` (so the probe can create accounts)",
  });
export type AuthSpec = z.output<typeof AuthSpec>;

export type Session = {
  account: Account;
  jar: CookieJar;
  token: string | undefined;
  /** The session's CSRF token when `auth.csrf` says where the service gives it. */
  csrfToken: string | undefined;
  loginResponse: HttpResponse;
  /** Adds this session's token header and cookies to a request. */
  apply(req: HttpRequest): HttpRequest;
};

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
  if (!spec.signup || spec.users?.[i]) return;
  const res = await ctx.http.send(toRequest(spec.signup, accountVars(account)));
  if ((res.status < 200 || res.status > 299) && res.status !== 409) {
    throw new LegitFailure(
      `Signing up ${account.username} did not work: ${line(res)}. The probe creates its own accounts; signup must keep working.`,
      exchange(res),
    );
  }
}

/** Logs in; a failed login is a LegitFailure (the feature must keep working). */
export async function login(ctx: ProbeContext, spec: AuthSpec, account: Account): Promise<Session> {
  const jar = new CookieJar();
  const res = expectOk(
    await ctx.http.send({ ...toRequest(spec.login, accountVars(account)), jar }),
    `Logging in as ${account.username}`,
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
  if (spec.csrf) {
    const t = getPath(res.json(), spec.csrf.token);
    if (typeof t !== "string" || t === "")
      throw new LegitFailure(
        `Logging in as ${account.username} answered ${res.status} but the JSON has no CSRF token at \`${spec.csrf.token}\`.`,
        exchange(res),
      );
    csrfToken = t;
  }
  const csrf = spec.csrf;
  const apply = (req: HttpRequest): HttpRequest => {
    const out = withToken(spec, req, token, jar);
    return csrf && csrfToken ? { ...out, headers: { ...out.headers, [csrf.header.toLowerCase()]: csrfToken } } : out;
  };
  return { account, jar, token, csrfToken, loginResponse: res, apply };
}

/** `n` signed-in sessions (accounts created through signup when needed). */
export async function openSessions(ctx: ProbeContext, spec: AuthSpec, n: number): Promise<Session[]> {
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
