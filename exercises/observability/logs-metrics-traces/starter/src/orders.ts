import { randomUUID } from "node:crypto";

export type Order = {
  id: string;
  sku: string;
  quantity: number;
  total_cents: number;
  reservation_id: string;
  created_at: string;
};

const orders = new Map<string, Order>();

export const store = {
  list: (): Order[] => [...orders.values()],
  get: (id: string): Order | undefined => orders.get(id),
  add(order: Omit<Order, "id" | "created_at">): Order {
    const created: Order = { id: randomUUID(), created_at: new Date().toISOString(), ...order };
    orders.set(created.id, created);
    return created;
  },
  delete: (id: string): boolean => orders.delete(id),
};
