import { describe, it, expect } from "vitest";
import { createOrderService, type Order } from "../src/orders.ts";
import { NotFoundError } from "../src/errors.ts";

/** Fakes for every collaborator: deterministic, and private to each test. */
function fakeDeps() {
  const rows = new Map<string, Order>();
  let seq = 0;
  return {
    repo: { get: async (id: string) => rows.get(id), save: async (o: Order) => void rows.set(o.id, o) },
    clock: { now: () => new Date("2030-01-01T00:00:00.000Z") },
    ids: { next: () => `ord_${++seq}` },
    payments: { charge: async () => ({ ok: true as const, chargeId: "ch_1" }) },
    logger: { info: () => {}, error: () => {} },
  };
}

describe("orders service (examples — add your own)", () => {
  it("creates an order with an id and timestamp from the fakes", async () => {
    const service = createOrderService(fakeDeps());
    const order = await service.createOrder({ customerId: "c1", items: [{ sku: "A", quantity: 2, unitPriceCents: 500 }] });
    expect(order.id).toBe("ord_1");
    expect(order.createdAt).toBe("2030-01-01T00:00:00.000Z");
    expect(order.totalCents).toBe(1000);
  });

  it("rejects an unknown id with NotFoundError", async () => {
    const service = createOrderService(fakeDeps());
    await expect(service.getOrder("nope")).rejects.toBeInstanceOf(NotFoundError);
  });
});
