import { describe, expect, it } from "vitest";
import { newCustomer, shop, statements } from "./support.ts";

describe("order history", () => {
  it("lists each order with its lines in a fixed number of queries", async () => {
    const c = await newCustomer();
    const mug = await shop.addProduct("MUG", 500, 10);
    const pen = await shop.addProduct("PEN", 100, 10);
    for (let i = 1; i <= 3; i++) {
      await shop.addToCart(c.id, mug.id, i);
      await shop.addToCart(c.id, pen.id, 1);
      await shop.checkout(c.id);
    }
    statements.length = 0;
    const orders = await shop.ordersWithLines(c.id);
    expect(orders.map((o) => o.total_cents)).toEqual([600, 1100, 1600]);
    expect(orders[2]!.lines).toEqual([
      { sku: "MUG", quantity: 3, price_cents: 500 },
      { sku: "PEN", quantity: 1, price_cents: 100 },
    ]);
    expect(statements.length).toBeLessThanOrEqual(2);
  });
});
