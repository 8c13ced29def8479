import { Router, type Response } from "express";
import { currentUser, rateLimit } from "../http/guards.ts";
import { input, validate } from "../http/validate.ts";
import { LoginBody, SignupBody } from "./schema.ts";
import { parseCookies, SESSION_COOKIE, type Accounts } from "./service.ts";

export function accountsRouter(accounts: Accounts, opts: { secureCookies: boolean }): Router {
  const r = Router();
  const setSession = (res: Response, userId: number) => {
    const { token, expires } = accounts.createSession(userId);
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: "lax", secure: opts.secureCookies, path: "/", expires });
  };
  // Per IP is generous (a workshop signs up from behind one NAT); per account is strict.
  const perIp = rateLimit({ windowMs: 60_000, max: 100, key: (req) => `ip:${req.ip}` });
  const perAccount = rateLimit({ windowMs: 60_000, max: 10, key: (req) => `acct:${String(req.body?.email ?? "").toLowerCase()}` });

  const signup = { body: SignupBody };
  r.post("/signup", perIp, validate(signup), async (req, res) => {
    const { body } = input(res, signup);
    accounts.endSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    const user = await accounts.signup(body);
    setSession(res, user.id);
    res.status(201).json({ user });
  });

  const login = { body: LoginBody };
  r.post("/login", perIp, perAccount, validate(login), async (req, res) => {
    const { body } = input(res, login);
    const user = await accounts.login(body.email, body.password);
    // A fresh token on every sign-in: a session id planted before login is worthless after it.
    accounts.endSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    setSession(res, user.id);
    res.json({ user });
  });

  r.post("/logout", (req, res) => {
    accounts.endSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    res.clearCookie(SESSION_COOKIE, { path: "/" });
    res.status(204).end();
  });

  r.get("/me", (_req, res) => {
    res.json({ user: currentUser(res) });
  });

  return r;
}
