import type { Request, RequestHandler } from "express";
import type { User } from "../accounts/schema.ts";
import { parseCookies, SESSION_COOKIE, type Accounts } from "../accounts/service.ts";
import { forbidden, Problem, tooMany, unauthorized } from "../errors.ts";

declare module "express-serve-static-core" {
  interface Locals {
    user?: User;
    input?: unknown;
  }
}

/** The lab's own origin: PUBLIC_URL when set, else what the request's Host says. */
export function ownOrigin(req: Pick<Request, "protocol" | "headers">, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.headers.host ?? ""}`;
}

/**
 * CSRF defence for a JSON API with SameSite=Lax cookies: a state-changing request must be
 * JSON (a cross-site form cannot send that without a CORS preflight, which we never allow)
 * and, when the browser says where it comes from, come from the lab's own origin.
 */
export function sameOriginWrites(publicUrl: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== ownOrigin(req, publicUrl)) return next(forbidden("Cross-origin requests are not allowed."));
    if (!req.is("application/json")) return next(new Problem(415, "unsupported-media-type", "Unsupported media type", "Send the request body as application/json."));
    next();
  };
}

/** Puts the signed-in user (if any) in res.locals.user. */
export function sessionUser(accounts: Accounts): RequestHandler {
  return (req, res, next) => {
    const user = accounts.userForSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (user) res.locals.user = user;
    next();
  };
}

export const requireUser: RequestHandler = (_req, res, next) => {
  if (!res.locals.user) return next(unauthorized());
  next();
};

export function currentUser(res: { locals: { user?: User } }): User {
  if (!res.locals.user) throw unauthorized();
  return res.locals.user;
}

/** A small fixed-window limiter keyed by whatever `key` returns (IP, IP + account). */
export function rateLimit(opts: { windowMs: number; max: number; key: (req: Request) => string }): RequestHandler {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return (req, res, next) => {
    const now = Date.now();
    if (hits.size > 10_000) for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
    const k = opts.key(req);
    let entry = hits.get(k);
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + opts.windowMs };
      hits.set(k, entry);
    }
    entry.count++;
    if (entry.count > opts.max) {
      res.setHeader("Retry-After", String(Math.ceil((entry.resetAt - now) / 1000)));
      return next(tooMany("Too many attempts; wait a moment and try again."));
    }
    next();
  };
}
