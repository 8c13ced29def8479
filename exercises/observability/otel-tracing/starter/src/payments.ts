import { PAYMENTS_URL } from "./config.ts";

export class PaymentError extends Error {}

/** Charges an order through the payment service. */
export async function charge(orderId: string, amountCents: number): Promise<{ chargeId: string }> {
  const res = await fetch(new URL("/charges", PAYMENTS_URL), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId, amountCents }),
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) throw new PaymentError(`payment service answered ${res.status}`);
  return (await res.json()) as { chargeId: string };
}
