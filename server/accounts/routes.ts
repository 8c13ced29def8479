import type { Request, Response } from "express";
import { z } from "zod";
import { rateLimit } from "../http/guards.ts";
import { anyone, route, signedIn, type Route } from "../http/routes.ts";
import { LoginBody, SignupBody, UserOut } from "./schema.ts";
import { parseCookies, SESSION_COOKIE, type Accounts } from "./service.ts";

const UserBody = z.object({ user: UserOut });
const sessionToken = (req: Request) => parseCookies(req.headers.cookie)[SESSION_COOKIE];

export function accountsRoutes(accounts: Accounts, opts: { secureCookies: boolean }): Route[] {
  const setSession = (res: Response, userId: number) => {
    const { token, expires } = accounts.createSession(userId);
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", secure: opts.secureCookies, path: "/", expires });
  };
  // Per IP is generous (a workshop signs up from behind one NAT); per account is strict.
  const perIp = rateLimit({ windowMs: 60_000, max: 100, key: (req) => `ip:${req.ip}` });
  const perAccount = rateLimit({ windowMs: 60_000, max: 10, key: (req) => `acct:${String(req.body?.email ?? "").toLowerCase()}` });

  return [
    route({
      method: "post",
      path: "/auth/signup",
      summary: "Create a learner account and sign in",
      tag: "accounts",
      auth: anyone,
      before: [perIp],
      input: { body: SignupBody },
      status: 201,
      response: UserBody,
      handler: async ({ input, req, res }) => {
        accounts.endSession(sessionToken(req));
        const user = await accounts.signup(input.body);
        setSession(res, user.id);
        return { user };
      },
    }),
    route({
      method: "post",
      path: "/auth/login",
      summary: "Sign in with email and password",
      tag: "accounts",
      auth: anyone,
      before: [perIp, perAccount],
      input: { body: LoginBody },
      response: UserBody,
      handler: async ({ input, req, res }) => {
        const user = await accounts.login(input.body.email, input.body.password);
        // A fresh token on every sign-in: a session id planted before login is worthless after it.
        accounts.endSession(sessionToken(req));
        setSession(res, user.id);
        return { user };
      },
    }),
    route({
      method: "post",
      path: "/auth/logout",
      summary: "Sign out this session",
      tag: "accounts",
      auth: anyone,
      input: { body: z.object({}).strict() },
      handler: ({ req, res }) => {
        accounts.endSession(sessionToken(req));
        res.clearCookie(SESSION_COOKIE, { path: "/" });
      },
    }),
    route({
      method: "get",
      path: "/auth/me",
      summary: "The signed-in user",
      tag: "accounts",
      auth: signedIn,
      response: UserBody,
      handler: ({ me }) => ({ user: me }),
    }),
  ];
}
