/**
 * The orders module as it is today. It "works", but:
 * - it throws strings, so callers can only guess what went wrong;
 * - it reaches for globals: Date.now(), Math.random(), console.log and a
 *   module-level DB that every caller (and every test) shares;
 * - the HTTP layer (src/http.ts) has to parse those strings to pick a status.
 *
 * createOrderService() already has the right name, but it ignores its
 * argument. Read README.md, then refactor.
 */

export interface OrderItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Order {
  id: string;
  customerId: string;
  items: OrderItem[];
  totalCents: number;
  status: "pending" | "paid" | "cancelled";
  createdAt: string;
  updatedAt: string;
  chargeId?: string;
}

/** The "database": one Map for the whole process. */
const db = new Map<string, Order>();

/** The "payment provider": declines anything over 1000.00. */
async function chargeCard(amountCents: number): Promise<{ ok: boolean; chargeId?: string; reason?: string }> {
  if (amountCents > 100_000) return { ok: false, reason: "amount_too_large" };
  return { ok: true, chargeId: "ch_" + Math.random().toString(36).slice(2) };
}

async function createOrder(input: { customerId: string; items: OrderItem[] }): Promise<Order> {
  if (!input.customerId) throw "customerId is required";
  if (!input.items || input.items.length === 0) throw "items are required";
  for (const item of input.items) {
    if (!(item.quantity >= 1)) throw "bad quantity for " + item.sku;
  }
  const now = new Date(Date.now()).toISOString();
  const order: Order = {
    id: "ord_" + Math.random().toString(36).slice(2, 10),
    customerId: input.customerId,
    items: input.items,
    totalCents: input.items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
    status: "pending",
    createdAt: now,
    updatedAt: now,
  };
  db.set(order.id, order);
  console.log("created order", order.id);
  return order;
}

async function getOrder(id: string): Promise<Order> {
  const order = db.get(id);
  if (!order) throw "not found: " + id;
  return order;
}

async function payOrder(id: string): Promise<Order> {
  const order = await getOrder(id);
  if (order.status === "paid") throw "already paid";
  const result = await chargeCard(order.totalCents);
  if (!result.ok) throw "payment failed: " + result.reason;
  order.status = "paid";
  order.chargeId = result.chargeId;
  order.updatedAt = new Date().toISOString();
  console.log("paid order", id);
  return order;
}

async function cancelOrder(id: string): Promise<Order> {
  const order = await getOrder(id);
  order.status = "cancelled";
  order.updatedAt = new Date().toISOString();
  return order;
}

// TODO: take { repo, clock, ids, payments, logger } and use them.
export function createOrderService(_deps?: unknown) {
  return { createOrder, getOrder, payOrder, cancelOrder };
}
