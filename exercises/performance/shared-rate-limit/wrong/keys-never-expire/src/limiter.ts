// WRONG: no PEXPIRE, so every key ever seen stays in Redis.
// A sliding-window rate limiter shared by every instance of the service, in Redis.
//
// Per key, a sorted set holds one member per allowed request, scored by its time (ms). A hit
// drops the members older than the window, counts the rest and adds itself only if the count
// is below the limit - all in one Lua script, which Redis runs atomically: no other client's
// command runs between the count and the add, so two instances can't both take the last slot.
// The clock is Redis's own (TIME), the same for every instance. The key expires one window
// after its last hit, so idle keys don't pile up.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

const SLIDING_WINDOW = `
local key = KEYS[1]
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[3])
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
`;

export type Verdict = { allowed: boolean; remaining: number; retryAfterMs: number };

export async function createLimiter(o: { redisUrl: string; limit: number; windowMs: number }) {
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 2 });
  redis.defineCommand("slidingWindow", { numberOfKeys: 1, lua: SLIDING_WINDOW });
  return {
    async hit(apiKey: string): Promise<Verdict> {
      const [allowed, remaining, retryAfterMs] = (await (redis as any).slidingWindow(
        `ratelimit:${apiKey}`,
        o.windowMs,
        o.limit,
        randomUUID(),
      )) as [number, number, number];
      return { allowed: allowed === 1, remaining, retryAfterMs };
    },
  };
}
