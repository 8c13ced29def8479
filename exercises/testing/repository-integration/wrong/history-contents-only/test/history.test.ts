import { describe, expect, it } from "vitest";
import { newCustomer, shop } from "./support.ts";

describe("order history", () => {
  it("lists each order with its lines", async () => {
    const c = await newCustomer();
    const mug = await shop.addProduct("MUG", 500, 10);
    for (let i = 1; i <= 3; i++) {
      await shop.addToCart(c.id, mug.id, i);
      await shop.checkout(c.id);
    }
    const orders = await shop.ordersWithLines(c.id);
    expect(orders.map((o) => o.total_cents)).toEqual([500, 1000, 1500]);
    expect(orders[1]!.lines).toEqual([{ sku: "MUG", quantity: 2, price_cents: 500 }]);
  });
});
