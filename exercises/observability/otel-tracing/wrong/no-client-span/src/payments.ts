import { context, propagation } from "@opentelemetry/api";
import { PAYMENTS_URL } from "./config.ts";

export class PaymentError extends Error {}

/** Charges an order through the payment service. */
export async function charge(orderId: string, amountCents: number): Promise<{ chargeId: string }> {
  const url = new URL("/charges", PAYMENTS_URL);
  // The traceparent carries the trace on; the payment service records the call's span itself.
  const headers: Record<string, string> = { "content-type": "application/json" };
  propagation.inject(context.active(), headers);
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ orderId, amountCents }), signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new PaymentError(`payment service answered ${res.status}`);
  return (await res.json()) as { chargeId: string };
}
