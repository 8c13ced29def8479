// WRONG: shared and atomic (INCR), but a fixed window starting at a key's first request: when
// it ends, all ten slots come back at once.
import { Redis } from "ioredis";

export type Verdict = { allowed: boolean; remaining: number; retryAfterMs: number };

export async function createLimiter(o: { redisUrl: string; limit: number; windowMs: number }) {
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 2 });
  return {
    async hit(apiKey: string): Promise<Verdict> {
      const key = `ratelimit:${apiKey}`;
      const [[, count], [, ttl]] = (await redis.multi().incr(key).pttl(key).exec()) as [[null, number], [null, number]];
      if (ttl < 0) await redis.pexpire(key, o.windowMs);
      if (count > o.limit) return { allowed: false, remaining: 0, retryAfterMs: ttl > 0 ? ttl : o.windowMs };
      return { allowed: true, remaining: o.limit - count, retryAfterMs: 0 };
    },
  };
}
