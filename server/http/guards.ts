import crypto from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { User } from "../accounts/schema.ts";
import type { SessionInfo } from "../accounts/sessions.ts";
import { parseCookies, SESSION_COOKIE, type Accounts } from "../accounts/service.ts";
import { forbidden, Problem, tooMany } from "../errors.ts";

declare module "express-serve-static-core" {
  interface Locals {
    user?: User;
    session?: SessionInfo;
    /** Set instead of `session` when an API token authenticated the request. */
    token?: { id: number; scopes: string[] };
    input?: unknown;
  }
}

/** The header the web app sends the session's CSRF token in. */
export const CSRF_HEADER = "x-csrf-token";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

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
    if (SAFE.has(req.method)) return next();
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== ownOrigin(req, publicUrl))
      return next(forbidden("Cross-origin requests are not allowed."));
    // Cross-site forms can only POST, always with a body; other methods need a preflight.
    const bodiless = req.headers["content-length"] === undefined && req.headers["transfer-encoding"] === undefined;
    if (!(bodiless && req.method !== "POST") && !req.is("application/json"))
      return next(
        new Problem(
          415,
          "unsupported-media-type",
          "Unsupported media type",
          "Send the request body as application/json.",
        ),
      );
    next();
  };
}

/** Puts the signed-in user and their session (if any) in res.locals. */
export function sessionUser(accounts: Accounts): RequestHandler {
  return (req, res, next) => {
    const found = accounts.sessions.resolve(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (found) {
      res.locals.user = found.user;
      res.locals.session = found.session;
    }
    next();
  };
}

/**
 * The synchronizer token, on top of the Origin and JSON-only checks: a state-changing
 * request that rides on a session must carry that session's CSRF token in X-CSRF-Token.
 * (Without a session there is nothing to ride on; sign-in forms rely on the other checks.)
 */
export const csrfToken: RequestHandler = (req, res, next) => {
  const session = res.locals.session;
  if (SAFE.has(req.method) || !session) return next();
  const sent = req.headers[CSRF_HEADER];
  const ok =
    typeof sent === "string" &&
    sent.length === session.csrfToken.length &&
    crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(session.csrfToken));
  if (!ok) return next(new Problem(403, "csrf", "CSRF token missing or wrong", "Reload the page and try again."));
  next();
};

/**
 * CORS stays closed: no Access-Control-Allow-* header is ever sent, and a preflight (which a
 * browser makes before any cross-origin request a form could not send) is refused.
 */
export const refusePreflight: RequestHandler = (req, _res, next) => {
  if (req.method !== "OPTIONS") return next();
  if (req.headers["access-control-request-method"]) return next(forbidden("Cross-origin requests are not allowed."));
  next(new Problem(405, "method-not-allowed", "Method not allowed", "OPTIONS is not served here."));
};

/** Counts hits per key in fixed windows; expired keys are dropped once the map grows large. */
function fixedWindow(windowMs: number): (key: string, now: number) => { count: number; resetAt: number } {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return (key, now) => {
    if (hits.size > 10_000) for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
    let entry = hits.get(key);
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + windowMs };
      hits.set(key, entry);
    }
    entry.count++;
    return entry;
  };
}

/** A small fixed-window limiter keyed by whatever `key` returns (IP, IP + account). */
export function rateLimit(opts: {
  windowMs: number;
  max: number;
  key: (req: Request, res: Response) => string;
}): RequestHandler {
  const count = fixedWindow(opts.windowMs);
  return (req, res, next) => {
    const now = Date.now();
    const entry = count(opts.key(req, res), now);
    if (entry.count > opts.max) {
      const seconds = Math.ceil((entry.resetAt - now) / 1000);
      res.setHeader("Retry-After", String(seconds));
      return next(tooMany(`Too many attempts; try again in ${seconds} s.`));
    }
    next();
  };
}

/**
 * A delay rather than a lock (OWASP's authentication guidance): past `after` requests in the
 * window for one key, each waits `stepMs` more, up to `maxDelayMs`. Used per account, so
 * whoever knows an email can slow its sign-in down but never shut its owner out.
 */
export function slowDown(opts: {
  windowMs: number;
  after: number;
  stepMs: number;
  maxDelayMs: number;
  key: (req: Request, res: Response) => string;
}): RequestHandler {
  const count = fixedWindow(opts.windowMs);
  return (req, res, next) => {
    const now = Date.now();
    const entry = count(opts.key(req, res), now);
    const delay = Math.min(opts.maxDelayMs, (entry.count - opts.after) * opts.stepMs);
    if (delay <= 0) return next();
    setTimeout(next, delay).unref();
  };
}
