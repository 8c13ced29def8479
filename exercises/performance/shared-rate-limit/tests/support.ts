// Helpers for the hidden tests: the two instances of the service (SERVICE_URLS) and the
// tests' own connection to the Redis server both instances share (REDIS_URL).
import { Redis } from "ioredis";

export const URLS = (process.env.SERVICE_URLS ?? "http://127.0.0.1:3000,http://127.0.0.1:3001")
  .split(",")
  .map((u) => u.replace(/\/+$/, ""));
export const [FIRST, SECOND] = URLS as [string, string];
export const LIMIT = 10;
export const WINDOW_MS = 2000; // RATE_WINDOW_MS in exercise.yaml

let n = 0;
/** An API key no other test uses. */
export const freshKey = (name: string) => `${name}-${process.pid}-${Date.now()}-${++n}`;

export async function hit(base: string, key: string) {
  const res = await fetch(`${base}/api/quote`, { headers: { "x-api-key": key }, signal: AbortSignal.timeout(10_000) });
  await res.text();
  return res;
}

/** Sends `count` requests one after the other (alternating between `bases`), returns their statuses. */
export async function burst(bases: string[], key: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await hit(bases[i % bases.length]!, key)).status);
  return out;
}

export const ok = (statuses: number[]) => statuses.filter((s) => s === 200).length;
export const until = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

export function redis() {
  return new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
}
