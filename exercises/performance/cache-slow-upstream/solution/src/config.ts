// Settings from the environment, read once at start.

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

export const config = {
  port: positiveInt("PORT", 3000),
  host: process.env.HOST ?? "127.0.0.1",
  /** How long a price stays fresh in the cache, in milliseconds. */
  cacheTtlMs: positiveInt("CACHE_TTL_MS", 2000),
  /** How many prices the cache holds at most. */
  cacheMaxEntries: positiveInt("CACHE_MAX_ENTRIES", 1000),
};
