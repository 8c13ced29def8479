import type { Request, Response } from "express";
import { z } from "zod";
import { startSession } from "../accounts/routes.ts";
import { parseCookies, SESSION_COOKIE, type Accounts } from "../accounts/service.ts";
import type { AuditLog } from "../audit/service.ts";
import { ownOrigin, rateLimit } from "../http/guards.ts";
import { anyone, route, signedIn, type Route } from "../http/routes.ts";
import { SsoRefusal, type SingleSignOn } from "./service.ts";

export const SSO_COOKIE = "backlab_sso";
const COOKIE_PATH = "/api/auth/sso";

/** A path of the lab's own (never `//host` or a scheme): where the browser goes after sign-in. */
const NextPath = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[^\s]*$/, "a path of this lab, like /exercises")
  .default("/");
const param = z.string().max(2000).optional();
/** What a provider may send back (RFC 6749 4.1.2, RFC 9207's iss, OIDC session management). */
const CallbackQuery = z.strictObject({
  code: param,
  state: param,
  iss: param,
  session_state: param,
  error: z.string().max(200).optional(),
  error_description: param,
  error_uri: param,
});

export function ssoRoutes(deps: {
  sso: SingleSignOn;
  accounts: Accounts;
  audit: AuditLog;
  publicUrl: string | undefined;
  secureCookies: boolean;
  attemptsPerIp: number;
}): Route[] {
  const { sso, audit } = deps;
  const perIp = rateLimit({ windowMs: 60_000, max: deps.attemptsPerIp, key: (req) => `sso:${req.ip}` });
  const cookie = { httpOnly: true, sameSite: "lax", secure: deps.secureCookies, path: COOKIE_PATH } as const;
  const redirectUri = (req: Request) => `${ownOrigin(req, deps.publicUrl)}/api/auth/sso/callback`;

  const begin = async (req: Request, res: Response, next: string, linkUserId?: number) => {
    const a = await sso.start({ redirectUri: redirectUri(req), next, linkUserId });
    res.cookie(SSO_COOKIE, a.key, { ...cookie, maxAge: a.maxAgeMs });
    return a.url;
  };

  return [
    route({
      method: "get",
      path: "/auth/sso/start",
      summary: `Sign in through the identity provider: redirects to it (authorization code, PKCE, state, nonce)`,
      tag: "accounts",
      auth: anyone,
      before: [perIp],
      input: { query: z.strictObject({ next: NextPath }) },
      produces: "text/html",
      handler: async ({ input, req, res }) => {
        res.redirect(302, await begin(req, res, input.query.next));
      },
    }),
    route({
      method: "post",
      path: "/auth/sso/link",
      summary: "Link the identity provider to this account: answers the provider's URL to send the browser to",
      tag: "accounts",
      auth: signedIn,
      before: [perIp],
      input: { body: z.strictObject({}) },
      response: z.object({ url: z.string() }),
      handler: async ({ me, req, res }) => ({ url: await begin(req, res, "/account", me.id) }),
    }),
    route({
      method: "post",
      path: "/auth/sso/logout",
      summary:
        "Sign out this session; for one signed in through the provider, answers its end-session URL to send the browser to",
      tag: "accounts",
      auth: signedIn,
      input: { body: z.strictObject({}) },
      response: z.object({ endSessionUrl: z.string().nullable() }),
      handler: async ({ req, res }) => {
        const session = res.locals.session;
        const url = session
          ? await sso.endSessionUrl(session.id, `${ownOrigin(req, deps.publicUrl)}/login`)
          : undefined;
        deps.accounts.sessions.endById(session?.id ?? "");
        res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: "lax", secure: deps.secureCookies, path: "/" });
        return { endSessionUrl: url ?? null };
      },
    }),
    route({
      method: "get",
      path: "/auth/sso/callback",
      summary:
        "Where the identity provider sends the browser back; signs in, or redirects to the sign-in page saying why not",
      tag: "accounts",
      auth: anyone,
      before: [perIp],
      input: { query: CallbackQuery },
      produces: "text/html",
      handler: async ({ input, req, res }) => {
        const key = parseCookies(req.headers.cookie)[SSO_COOKIE];
        res.clearCookie(SSO_COOKIE, cookie);
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(input.query)) if (v !== undefined) query.set(k, v);
        try {
          const done = await sso.finish({ key, query });
          const session = startSession(deps.accounts, req, res, done.user.id, deps.secureCookies);
          sso.rememberIdToken(session.id, done.idToken);
          if (done.created)
            audit.record({
              actorId: done.user.id,
              action: "user.create",
              target: { kind: "user", id: done.user.id },
              details: { via: "sso", role: done.user.role },
              ip: req.ip,
            });
          if (done.linked)
            audit.record({
              actorId: done.user.id,
              action: "auth.sso.link",
              target: { kind: "user", id: done.user.id },
              details: { issuer: sso.config.issuer },
              ip: req.ip,
            });
          audit.record({
            actorId: done.user.id,
            action: "auth.sso.login",
            target: { kind: "user", id: done.user.id },
            details: { issuer: sso.config.issuer },
            ip: req.ip,
          });
          res.redirect(302, done.next);
        } catch (err) {
          if (!(err instanceof SsoRefusal)) throw err;
          audit.record({
            actorId: null,
            action: "auth.sso.refused",
            details: { reason: err.code, detail: err.message.slice(0, 300) },
            ip: req.ip,
          });
          res.redirect(302, `${err.page}?sso=${err.code}`);
        }
      },
    }),
  ];
}
