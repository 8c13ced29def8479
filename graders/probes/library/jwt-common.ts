/** What the JWT probes share: sign in, take the token, replay forged ones on a protected route. */
import { z } from "zod";
import { AuthSpec, openSessions, withToken, type Session } from "../auth.ts";
import type { HttpResponse } from "../http.ts";
import { decodeJwt, type Jwt } from "../jwt.ts";
import { resembles } from "../analyze.ts";
import { exchange, exchanges, expectOk, fail, LegitFailure, pass } from "../report.ts";
import { describeTemplate, RequestTemplate, toRequest } from "../template.ts";
import type { ProbeContext, ProbeResult } from "../types.ts";

export const JwtParams = {
  /** How to sign in; `auth.token` (or `token_cookie`) is where the JWT is. */
  auth: AuthSpec,
  /** A route that needs a valid token. */
  check: RequestTemplate.default({ method: "GET", path: "/me", body_type: "json" }),
  /** The JWT travels in this cookie instead of the `auth.header` header. */
  token_cookie: z
    .string()
    .regex(/^[\w.-]+$/)
    .max(100)
    .optional(),
};

export type JwtTarget = {
  session: Session;
  token: string;
  jwt: Jwt;
  /** Sends `check` with this token (or none). */
  send(token: string | undefined): Promise<HttpResponse>;
  legit: HttpResponse;
  where: string;
};

type Base = { auth: AuthSpec; check: RequestTemplate; token_cookie?: string | undefined };

/**
 * Signs in, checks that the route accepts the real token and refuses no token. Returns a
 * result instead when the probe cannot go further (not a JWT, route not protected).
 */
export async function jwtTarget(ctx: ProbeContext, p: Base): Promise<JwtTarget | ProbeResult> {
  const [session] = await openSessions(ctx, p.auth, 1);
  const s = session!;
  const token = p.token_cookie ? s.jar.get(p.token_cookie) : s.token;
  if (!token)
    throw new LegitFailure(
      p.token_cookie
        ? `Signing in set no cookie \`${p.token_cookie}\`.`
        : "Signing in gave no token (set `auth.token` to where the JWT is).",
      s.loginResponse ? exchange(s.loginResponse) : undefined,
    );
  const where = describeTemplate(p.check);
  let raw = token;
  try {
    raw = decodeURIComponent(token);
  } catch {}
  const jwt = decodeJwt(raw);
  if (!jwt) return pass(`The session token is not a JWT (no header.payload.signature), so there is no JWT to forge.`);
  const send = (t: string | undefined) => {
    const base = toRequest(p.check, {});
    if (p.token_cookie) {
      const jar = s.jar.clone();
      if (t === undefined) jar.delete(p.token_cookie);
      else jar.set(p.token_cookie, t);
      return ctx.http.send({ ...base, jar });
    }
    return ctx.http.send(t === undefined ? base : withToken(p.auth, base, t));
  };
  const legit = expectOk(await send(token), `${where} with the real token`);
  const anonymous = await send(undefined);
  // Judged by the answer, not its status: a `200 {"error": …}` without a token is a refusal.
  if (resembles(anonymous, legit))
    return fail(
      `${where} answers ${anonymous.status} without any token with the same kind of answer as with the real one, so it is not protected at all: forged tokens cannot even be told apart. Require a valid token on it.`,
      exchanges([legit, anonymous]),
    );
  return { session: s, token, jwt, send, legit, where };
}

/** A forged token was accepted: the answer is the one the real token gets (status, body shape), not a refusal. */
export function accepted(t: Pick<JwtTarget, "legit">, res: HttpResponse): boolean {
  return resembles(res, t.legit);
}
