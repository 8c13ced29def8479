// Helpers for the hidden tests: GraphQL calls against SERVICE_URL and the data-layer counter.
import { expect } from "vitest";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

export type Answer = { status: number; type: string; text: string; body: any };

/** POSTs a raw body to /graphql (for the malformed-request checks). */
export async function post(body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${BASE}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, signal: AbortSignal.timeout(4000) });
  const text = await res.text();
  let parsed: any = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, body: parsed };
}

/** One GraphQL request; `user` is sent as X-User. */
export function gql(query: string, variables?: Record<string, unknown>, user?: string): Promise<Answer> {
  return post(JSON.stringify({ query, variables }), user ? { "x-user": user } : {});
}

export const seen = (a: Answer) => `HTTP ${a.status} ${a.text.slice(0, 600)}`;

/** A query that must run without errors: returns `data`. */
export async function ok(query: string, variables?: Record<string, unknown>, user?: string): Promise<any> {
  const a = await gql(query, variables, user);
  expect(a.status, `${query}\n-> ${seen(a)}`).toBe(200);
  expect(a.body?.errors, `${query}\nmust run without errors -> ${seen(a)}`).toBeUndefined();
  expect(a.body?.data, `${query}\n-> ${seen(a)}`).toBeTypeOf("object");
  return a.body.data;
}

/** A query that must be refused as a whole (not run): the errors, and no data. */
export function expectRefused(a: Answer, what: string): any[] {
  expect([200, 400], `${what}: a refused query is answered 200 (application/json) or 400 -> ${seen(a)}`).toContain(a.status);
  expect(Array.isArray(a.body?.errors) && a.body.errors.length > 0, `${what}: the answer needs an "errors" array -> ${seen(a)}`).toBe(true);
  expect(a.body?.data ?? null, `${what}: a query refused before it runs has no "data" -> ${seen(a)}`).toBeNull();
  return a.body.errors;
}

/** No stack trace, file path or raw internal error in an answer. */
export function expectNoInternals(a: Answer, what: string): void {
  for (const leak of [/stack/i, /\.ts:\d+/, /\n\s+at /, /\bat .*\(.*:\d+:\d+\)/, /\/var\/lib/, /constraint failed/i, /decode error/i, /node:internal/]) {
    expect(a.text, `${what}: the answer must not show internals (matched ${leak}) -> ${seen(a)}`).not.toMatch(leak);
  }
}

/** Round trips to the data layer so far (GET /__stats). */
export async function dataLayerCalls(): Promise<number> {
  const res = await fetch(`${BASE}/__stats`, { signal: AbortSignal.timeout(4000) });
  const body: any = await res.json().catch(() => null);
  const n = body?.dataLayerCalls;
  if (res.status !== 200 || typeof n !== "number") throw new Error(`GET /__stats must answer 200 {"dataLayerCalls": <number>} (keep it as the starter has it), got HTTP ${res.status} ${JSON.stringify(body)}`);
  return n;
}

/** The data-layer round trips `fn` caused (the tests run one at a time). */
export async function callsDuring<T>(fn: () => Promise<T>): Promise<{ calls: number; value: T }> {
  const before = await dataLayerCalls();
  const value = await fn();
  return { calls: (await dataLayerCalls()) - before, value };
}

export const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2, 10)}`;

/** The seeded catalogue (src/data/seed.ts): author names by id, and each book's author id. */
export const AUTHOR_NAMES = [
  "Ursula K. Le Guin", "Octavia E. Butler", "Isaac Asimov", "Frank Herbert", "N. K. Jemisin", "Ted Chiang",
  "Iain M. Banks", "Ann Leckie", "Liu Cixin", "Becky Chambers", "Arkady Martine", "Martha Wells",
];
export const BOOK_AUTHOR = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 1, 2, 3, 7, 12, 1];
/** Seeded published reviews per book id. */
export const seededReviews = (bookId: number) => (bookId * 7) % 5;
