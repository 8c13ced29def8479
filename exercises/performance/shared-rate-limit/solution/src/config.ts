// Everything the service reads from its environment. The lab runs two instances of it side
// by side (PORT 3000 and 3001), both with the same REDIS_URL, as a load balancer would.
export const config = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? "127.0.0.1",
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  /** At most this many requests per API key… */
  limit: Number(process.env.RATE_LIMIT ?? 10),
  /** …in any window of this many milliseconds (a sliding window, not a calendar one). */
  windowMs: Number(process.env.RATE_WINDOW_MS ?? 2000),
};
