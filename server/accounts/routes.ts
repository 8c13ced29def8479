import type { Request, Response } from "express";
import { z } from "zod";
import { rateLimit, slowDown } from "../http/guards.ts";
import { anyone, owner, route, signedIn, type Route } from "../http/routes.ts";
import { Problem } from "../errors.ts";
import {
  FirstAdminBody,
  InviteLookupBody,
  InvitePreview,
  LoginBody,
  PasswordBody,
  SessionOut,
  SignedIn,
  SignupBody,
  SignupOptions,
} from "./schema.ts";
import { parseCookies, SESSION_COOKIE, type Accounts } from "./service.ts";
import type { SessionInfo } from "./sessions.ts";

const sessionToken = (req: Request) => parseCookies(req.headers.cookie)[SESSION_COOKIE];
const NoBody = z.object({}).strict();

const sessionCookie = (secure: boolean) => ({ httpOnly: true, sameSite: "lax", secure, path: "/" }) as const;

/** A fresh session on every sign-in: a session id planted before it is worthless after it. */
export function startSession(
  accounts: Accounts,
  req: Request,
  res: Response,
  userId: number,
  secure: boolean,
): SessionInfo {
  accounts.sessions.end(sessionToken(req));
  const s = accounts.sessions.create(userId, req.headers["user-agent"]);
  res.cookie(SESSION_COOKIE, s.token, { ...sessionCookie(secure), expires: s.expires });
  return { id: s.id, csrfToken: s.csrfToken };
}

const passwordsOff = () =>
  new Problem(
    403,
    "passwords-off",
    "Password sign-in is off",
    "This lab signs people in through its identity provider.",
  );

export function accountsRoutes(
  accounts: Accounts,
  opts: { secureCookies: boolean; attemptsPerIp: number; ssoName?: string; localPasswords?: boolean },
): Route[] {
  const cookie = sessionCookie(opts.secureCookies);
  const signIn = (req: Request, res: Response, userId: number): SessionInfo =>
    startSession(accounts, req, res, userId, opts.secureCookies);
  const passwords = opts.localPasswords !== false;
  const signOut = (res: Response) => res.clearCookie(SESSION_COOKIE, cookie);

  // Per IP is generous (a workshop signs up from behind one NAT); per account is strict.
  const perIp = rateLimit({ windowMs: 60_000, max: opts.attemptsPerIp, key: (req) => `ip:${req.ip}` });
  // Per account, strict, but only from one address: a stranger hammering someone's email
  // locks out their own address, not the owner. Across addresses an account is slowed down,
  // never locked.
  const email = (req: Request) => String(req.body?.email ?? "").toLowerCase();
  const perEmail = rateLimit({ windowMs: 60_000, max: 10, key: (req) => `acct:${email(req)}|ip:${req.ip}` });
  const perEmailAnywhere = slowDown({
    windowMs: 60_000,
    after: 10,
    stepMs: 250,
    maxDelayMs: 2_000,
    key: (req) => `acct:${email(req)}`,
  });
  const perUser = rateLimit({ windowMs: 60_000, max: 10, key: (_req, res) => `user:${res.locals.user?.id}` });
  const setupPerIp = rateLimit({ windowMs: 60_000, max: 20, key: (req) => `setup:${req.ip}` });

  return [
    route({
      method: "get",
      path: "/auth/options",
      candidates: true,
      summary: "How accounts are made on this lab (open sign-up or by invitation)",
      tag: "accounts",
      auth: anyone,
      response: SignupOptions,
      handler: () => ({ signup: accounts.opts.signup, sso: opts.ssoName ? { name: opts.ssoName } : null, passwords }),
    }),
    route({
      method: "post",
      path: "/auth/signup",
      summary: "Create an account (a learner, or the invite's role) and sign in",
      tag: "accounts",
      auth: anyone,
      before: [perIp, perEmail, perEmailAnywhere],
      input: { body: SignupBody },
      status: 201,
      response: SignedIn,
      handler: async ({ input, req, res }) => {
        if (!passwords) throw passwordsOff();
        const user = await accounts.signup(input.body);
        return { user, csrfToken: signIn(req, res, user.id).csrfToken };
      },
    }),
    route({
      method: "post",
      // POST: the token stays out of URLs and access logs, as in the link (its fragment).
      path: "/auth/invite",
      summary: "What an invite link is for (its role and, if bound, its email), without using it up",
      tag: "accounts",
      auth: anyone,
      before: [perIp],
      input: { body: InviteLookupBody },
      response: InvitePreview,
      handler: ({ input }) => {
        const invite = accounts.invites.peek(input.body.token);
        if (!invite)
          throw new Problem(
            404,
            "not-found",
            "Not found",
            "This invite link is invalid, used or expired; ask an admin for a new one.",
          );
        return { invite: { role: invite.role, email: invite.email, expiresAt: invite.expiresAt } };
      },
    }),
    route({
      method: "post",
      path: "/auth/first-admin",
      summary: "Create the first admin from the one-time link printed at the lab's first start",
      tag: "accounts",
      auth: anyone,
      before: [setupPerIp],
      input: { body: FirstAdminBody },
      status: 201,
      response: SignedIn,
      handler: async ({ input, req, res }) => {
        const user = await accounts.createFirstAdmin(input.body);
        return { user, csrfToken: signIn(req, res, user.id).csrfToken };
      },
    }),
    route({
      method: "post",
      path: "/auth/login",
      summary: "Sign in with email and password",
      tag: "accounts",
      auth: anyone,
      before: [perIp, perEmail, perEmailAnywhere],
      input: { body: LoginBody },
      response: SignedIn,
      handler: async ({ input, req, res }) => {
        const user = await accounts.login(input.body.email, input.body.password);
        // Admins keep their password as a way in while the identity provider is down.
        if (!passwords && user.role !== "admin") throw passwordsOff();
        return { user, csrfToken: signIn(req, res, user.id).csrfToken };
      },
    }),
    route({
      method: "post",
      path: "/auth/logout",
      candidates: true,
      summary: "Sign out this session",
      tag: "accounts",
      auth: anyone,
      input: { body: NoBody },
      handler: ({ req, res }) => {
        accounts.sessions.end(sessionToken(req));
        signOut(res);
      },
    }),
    route({
      method: "post",
      path: "/auth/logout-everywhere",
      summary: "Sign out every session of this account, this one included",
      tag: "accounts",
      auth: signedIn,
      input: { body: NoBody },
      response: z.object({ ended: z.number().int() }),
      handler: ({ me, res }) => {
        const ended = accounts.revokeAll(me.id);
        signOut(res);
        return { ended };
      },
    }),
    route({
      method: "get",
      path: "/auth/me",
      candidates: true,
      summary: "The signed-in user and the session's CSRF token",
      tag: "accounts",
      auth: signedIn,
      response: SignedIn,
      handler: ({ me, res }) => ({ user: me, csrfToken: res.locals.session!.csrfToken }),
    }),
    route({
      method: "post",
      path: "/auth/password",
      summary: "Change the password (needs the current one); every other session ends, this one is renewed",
      tag: "accounts",
      auth: signedIn,
      before: [perUser],
      input: { body: PasswordBody },
      response: SignedIn.extend({ endedSessions: z.number().int() }),
      handler: async ({ input, me, req, res }) => {
        await accounts.changePassword(me.id, input.body.currentPassword, input.body.newPassword);
        const session = signIn(req, res, me.id);
        return { user: me, csrfToken: session.csrfToken, endedSessions: accounts.sessions.endAll(me.id, session.id) };
      },
    }),
    route({
      method: "get",
      path: "/auth/sessions",
      summary: "The account's live sessions (this one marked current)",
      tag: "accounts",
      auth: signedIn,
      response: z.object({ sessions: z.array(SessionOut) }),
      handler: ({ me, res }) => ({ sessions: accounts.sessions.list(me.id, res.locals.session?.id) }),
    }),
    route({
      method: "delete",
      path: "/auth/sessions/:id",
      summary: "Sign out one session of this account",
      tag: "accounts",
      auth: owner("session"),
      ownerOf: (i) => accounts.sessions.ownerOf(i.params.id),
      input: { params: z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{16}$/, "not a session id") }) },
      handler: ({ input, res }) => {
        accounts.sessions.endById(input.params.id);
        if (input.params.id === res.locals.session?.id) signOut(res);
      },
    }),
  ];
}
