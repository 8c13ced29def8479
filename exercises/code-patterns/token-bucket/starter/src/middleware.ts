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

/** Express 5 middleware: one token per request, per key. */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const store = new BucketStore({
    capacity: options.capacity,
    refillPerSecond: options.refillPerSecond,
    maxKeys: options.maxKeys ?? 10_000,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const keyOf = options.keyGenerator ?? ((req: Request) => req.ip ?? "unknown");

  return (req, res, next) => {
    const bucket = store.get(keyOf(req));
    if (bucket.tryRemove(1)) {
      res.setHeader("RateLimit-Limit", String(bucket.capacity));
      res.setHeader("RateLimit-Remaining", String(bucket.available()));
      next();
      return;
    }
    res.status(429).json({ error: "Too Many Requests" });
  };
}
