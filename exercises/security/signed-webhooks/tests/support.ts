// Helpers for the hidden tests: a payment provider that signs deliveries the Standard Webhooks
// way, and reads of the orders they change. All traffic goes to SERVICE_URL (the sandbox's loopback).
import { createHmac, randomBytes } from "node:crypto";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
/** exercise.yaml starts the service with WEBHOOK_SECRETS="<CURRENT> <PREVIOUS>". */
export const CURRENT = "whsec_i1FZJXYw3gRlFVoY/LAsaVvYKQoLwd06";
export const PREVIOUS = "whsec_tvek3cQv/qSwsQVRstIP0Ixla0KI4nX3";
/** A secret the service has never heard of. */
export const OTHER = "whsec_" + randomBytes(24).toString("base64");

export const now = () => Math.floor(Date.now() / 1000);
export const uid = (prefix: string) => `${prefix}_${randomBytes(6).toString("hex")}`;

export function sign(secret: string, id: string, timestamp: string | number, body: string): string {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
}

export type Delivery = { id: string; timestamp: string; body: string; signature: string };

/** A payment event for `orderId`, signed with `secret`, as compact JSON unless `body` is given. */
export function delivery(
  orderId: string,
  amount: number,
  opts: { type?: string; secret?: string; id?: string; timestamp?: string | number; body?: string } = {},
): Delivery {
  const id = opts.id ?? uid("msg");
  const timestamp = String(opts.timestamp ?? now());
  const body = opts.body ?? JSON.stringify({ type: opts.type ?? "payment.succeeded", data: { orderId, amount } });
  return { id, timestamp, body, signature: sign(opts.secret ?? CURRENT, id, timestamp, body) };
}

export type Reply = { status: number; text: string };

/** POSTs a delivery; `omit` leaves headers out, fields of `d` may be overridden by the caller. */
export async function send(d: Delivery, omit: string[] = []): Promise<Reply> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "webhook-id": d.id,
    "webhook-timestamp": d.timestamp,
    "webhook-signature": d.signature,
  };
  for (const h of omit) delete headers[h];
  const res = await fetch(`${BASE}/webhooks/payments`, { method: "POST", headers, body: d.body, signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: (await res.text()).slice(0, 200) };
}

export type Order = { id: string; paid: number; events: string[] };

export async function order(id: string): Promise<Order> {
  const res = await fetch(`${BASE}/orders/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET /orders/${id} answered ${res.status} (expected 200)`);
  return (await res.json()) as Order;
}

export const show = (what: string, r: Reply) => `${what}: ${r.status} ${r.text}`;
export const ok = (r: Reply) => r.status >= 200 && r.status < 300;
export const refused = (r: Reply) => r.status >= 400 && r.status < 500;
