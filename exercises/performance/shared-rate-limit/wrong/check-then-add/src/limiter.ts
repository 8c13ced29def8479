// WRONG: the same sliding window, but as separate commands from Node: another request can
// run between the count and the add.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export type Verdict = { allowed: boolean; remaining: number; retryAfterMs: number };

export async function createLimiter(o: { redisUrl: string; limit: number; windowMs: number }) {
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 2 });
  return {
    async hit(apiKey: string): Promise<Verdict> {
      const key = `ratelimit:${apiKey}`;
      const now = Date.now();
      await redis.zremrangebyscore(key, "-inf", now - o.windowMs);
      const count = await redis.zcard(key);
      if (count < o.limit) {
        await redis.zadd(key, now, randomUUID());
        await redis.pexpire(key, o.windowMs);
        return { allowed: true, remaining: o.limit - count - 1, retryAfterMs: 0 };
      }
      const oldest = await redis.zrange(key, 0, 0, "WITHSCORES");
      return { allowed: false, remaining: 0, retryAfterMs: Number(oldest[1]) + o.windowMs - now };
    },
  };
}
