// Helpers for the hidden tests: the orders API, and a stand-in for the shipping service
// that the service's relay delivers to (DOWNSTREAM_URL in exercise.yaml). It runs in the
// grader's sandbox, which shares the service's loopback, and records every delivery.
import http from "node:http";
// @ts-expect-error the grader's module, present in the grading sandbox only
import { service } from "/grader/control.mjs";

export { service };
export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
export const RECEIVER_PORT = 4100;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Delivery = { key: string | null; body: any; at: number; accepted: boolean };

/**
 * The shipping service. `mode.fail` answers 503 (an outage: nothing is processed);
 * `mode.delayMs` holds each request that long. A request is processed (accepted) when it
 * arrives unless failing; the answer comes after the delay, even if the sender is gone by then.
 */
export class Receiver {
  deliveries: Delivery[] = [];
  mode = { fail: false, delayMs: 0 };
  private server = http.createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      let body: any = null;
      try {
        body = JSON.parse(text);
      } catch {}
      const key = req.headers["idempotency-key"];
      const accepted = !this.mode.fail && req.method === "POST";
      this.deliveries.push({ key: typeof key === "string" ? key : null, body, at: performance.now(), accepted });
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(accepted ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ accepted }));
      };
      if (this.mode.delayMs > 0) setTimeout(answer, this.mode.delayMs);
      else answer();
    });
  });

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(RECEIVER_PORT, "127.0.0.1", () => resolve());
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Deliveries that name this order. */
  forOrder(orderId: number): Delivery[] {
    return this.deliveries.filter((d) => d.body?.orderId === orderId);
  }

  accepted(orderId: number): Delivery[] {
    return this.forOrder(orderId).filter((d) => d.accepted);
  }
}

export type Answer = { status: number; body: any; ms: number };

export async function call(method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(BASE + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, ms: performance.now() - started };
}

export const place = (item: string, quantity: number, timeoutMs?: number) => call("POST", "/orders", { item, quantity }, timeoutMs);

export async function orderIds(): Promise<number[]> {
  const r = await call("GET", "/orders");
  if (r.status !== 200) throw new Error(`GET /orders answered ${r.status}`);
  return r.body.orders.map((o: { id: number }) => o.id);
}

/** Polls until `done()` or the time is up; returns whether it got there. */
export async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await done()) return true;
    await sleep(50);
  }
  return done();
}
