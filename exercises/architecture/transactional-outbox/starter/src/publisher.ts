// Sends one event to the shipping service. Resolves when it answered 2xx; rejects when it
// answered anything else, did not answer within 2 s, or could not be reached.
import { config } from "./config.ts";

export type OrderPlaced = { id: string; type: "order.placed"; orderId: number; item: string; quantity: number; occurredAt: string };

export async function deliver(event: OrderPlaced, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(config.downstreamUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(2000),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`the shipping service answered ${res.status}`);
}
