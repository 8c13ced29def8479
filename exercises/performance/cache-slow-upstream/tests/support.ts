// Helpers for the hidden tests: HTTP calls to the service and its upstream call counter.

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
/** exercise.yaml starts the service with these (service.env). */
export const TTL_MS = 3500;
export const MAX_ENTRIES = 3;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Answer = { status: number; headers: Headers; body: any; text: string; ms: number };

export async function call(method: string, path: string): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(BASE + path, { method, signal: AbortSignal.timeout(4000) });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body, text, ms: performance.now() - started };
}

export const get = (path: string) => call("GET", path);
export const invalidate = (id: number | string) => call("POST", `/products/${id}/invalidate`);

/** What the test's messages show of an answer. */
export const seen = (a: Answer) => `HTTP ${a.status} ${a.text.slice(0, 200)}`;

/** How many times the service has called the pricing service so far (GET /__stats). */
export async function upstreamCalls(): Promise<number> {
  const a = await get("/__stats");
  const n = a.body?.upstreamCalls;
  if (a.status !== 200 || typeof n !== "number") throw new Error(`GET /__stats must answer 200 {"upstreamCalls": <number>} (keep it as the starter has it), got ${seen(a)}`);
  return n;
}

/** The upstream calls `fn` caused. */
export async function callsDuring(fn: () => Promise<unknown>): Promise<number> {
  const before = await upstreamCalls();
  await fn();
  return (await upstreamCalls()) - before;
}

/** The price the pricing service gives product `id` (see upstream.ts). */
export const priceCents = (id: number) => 100 + ((id * 7919) % 9900);

/** max-age from a Cache-Control header, or null. */
export function maxAge(headers: Headers): number | null {
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(headers.get("cache-control") ?? "");
  return m ? Number(m[1]) : null;
}
