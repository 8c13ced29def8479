// The rate limiter: at most `limit` requests per API key per `windowMs`.
//
// It counts in this process's memory, in fixed windows that start at a key's first request.
// That was fine with one instance. Now the service runs as two instances behind a load
// balancer (the lab runs them on ports 3000 and 3001, with the same REDIS_URL)...
export type Verdict = { allowed: boolean; remaining: number; retryAfterMs: number };

export async function createLimiter(o: { redisUrl: string; limit: number; windowMs: number }) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    async hit(apiKey: string): Promise<Verdict> {
      const now = Date.now();
      let w = windows.get(apiKey);
      if (!w || now - w.start >= o.windowMs) {
        w = { start: now, count: 0 };
        windows.set(apiKey, w);
      }
      if (w.count >= o.limit) return { allowed: false, remaining: 0, retryAfterMs: w.start + o.windowMs - now };
      w.count++;
      return { allowed: true, remaining: o.limit - w.count, retryAfterMs: 0 };
    },
  };
}
