import type { Request, RequestHandler } from "express";
import { BucketStore, type Clock } from "./token-bucket.ts";

export interface RateLimitOptions {
  /** Burst size: the most requests a key can make at once. */
  capacity: number;
  /** Sustained rate: tokens (requests) regained per second. */
  refillPerSecond: number;
  /** Most buckets (distinct keys) kept in memory. Default 10_000. */
  maxKeys?: number;
  /** Which client a request belongs to. Default: `req.ip`. */
  keyGenerator?: (req: Request) => string;
  /** Time source in milliseconds. Default: `performance.now()`. */
  clock?: Clock;
}

/**
 * Express 5 middleware: one token per request, per key.
 *
 * Every response gets RateLimit-Limit, RateLimit-Remaining and
 * RateLimit-Reset (draft-ietf-httpapi-ratelimit-headers, separate fields).
 * A request without a token is answered 429 with Retry-After and an
 * RFC 9457 problem+json body; the route handler is not called.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  if (!Number.isInteger(options.capacity) || options.capacity < 1) {
    throw new RangeError(`capacity must be an integer >= 1, got ${String(options.capacity)}`);
  }
  const store = new BucketStore({
    capacity: options.capacity,
    refillPerSecond: options.refillPerSecond,
    maxKeys: options.maxKeys ?? 10_000,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const keyOf = options.keyGenerator ?? ((req: Request) => req.ip ?? "unknown");

  return (req, res, next) => {
    const bucket = store.get(keyOf(req));
    const allowed = bucket.tryRemove(1);
    const tokens = bucket.available();
    const secondsToFull = (bucket.capacity - tokens) / bucket.refillPerSecond;

    res.setHeader("RateLimit-Limit", String(bucket.capacity));
    res.setHeader("RateLimit-Remaining", String(Math.floor(tokens)));
    res.setHeader("RateLimit-Reset", String(Math.ceil(secondsToFull)));

    if (allowed) {
      next();
      return;
    }

    const retryAfter = Math.max(1, Math.round(bucket.msUntilAvailable(1) / 1000));
    res.setHeader("Retry-After", String(retryAfter));
    res.status(429);
    res.type("application/problem+json");
    res.send(
      JSON.stringify({
        type: "about:blank",
        title: "Too Many Requests",
        status: 429,
        detail: `Rate limit of ${bucket.capacity} requests exceeded; retry in ${retryAfter} s.`,
      }),
    );
  };
}
