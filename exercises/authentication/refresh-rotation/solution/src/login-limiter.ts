// Brute-force protection for /login: at most LOGIN_MAX_FAILURES failed attempts per account
// (normalized email, whether or not it exists) in a sliding window of LOGIN_WINDOW_SECONDS.
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_SECONDS } from "./config.ts";

const WINDOW_MS = LOGIN_WINDOW_SECONDS * 1000;
const attempts = new Map<string, number[]>(); // key → times of failed (or pending) attempts

function recent(key: string, now: number): number[] {
  const list = (attempts.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length) attempts.set(key, list);
  else attempts.delete(key);
  return list;
}

/**
 * Call before checking the password. Returns the seconds to wait (> 0: refuse with 429), or
 * 0 and counts the attempt as a failure up front, so concurrent guesses cannot all slip in
 * before the first one is counted. `succeeded()` takes it back.
 */
export function beginAttempt(key: string, now = Date.now()): number {
  const list = recent(key, now);
  if (list.length >= LOGIN_MAX_FAILURES) return Math.max(1, Math.ceil((list[0]! + WINDOW_MS - now) / 1000));
  list.push(now);
  attempts.set(key, list);
  if (attempts.size > 100_000) for (const k of attempts.keys()) recent(k, now); // bound memory
  return 0;
}

/** A correct password: the account's failures are forgotten. */
export function succeeded(key: string): void {
  attempts.delete(key);
}
