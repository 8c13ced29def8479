// The orders and what the payment provider told us about them, in memory.

export type Order = { id: string; paid: number; events: string[] };

const orders = new Map<string, Order>();

export function getOrder(id: string): Order {
  return orders.get(id) ?? { id, paid: 0, events: [] };
}

/** Applies one event; `webhookId` is recorded on the order so a double delivery shows. */
export function applyEvent(webhookId: string, event: unknown): void {
  if (!event || typeof event !== "object") return;
  const { type, data } = event as { type?: unknown; data?: { orderId?: unknown; amount?: unknown } };
  if (type !== "payment.succeeded" && type !== "payment.refunded") return; // other event types: acknowledged, ignored
  if (typeof data?.orderId !== "string" || !Number.isInteger(data.amount)) return;
  const order = orders.get(data.orderId) ?? { id: data.orderId, paid: 0, events: [] };
  order.paid += type === "payment.succeeded" ? (data.amount as number) : -(data.amount as number);
  order.events.push(webhookId);
  orders.set(order.id, order);
}
