import { describe, expect, it } from "vitest";
import { newCustomer, shop } from "./support.ts";

describe("checkout", () => {
  it("takes stock, records the order and empties the cart", async () => {
    const c = await newCustomer();
    const mug = await shop.addProduct("MUG", 500, 10);
    const pen = await shop.addProduct("PEN", 100, 10);
    await shop.addToCart(c.id, mug.id, 3);
    await shop.addToCart(c.id, pen.id, 2);
    const order = await shop.checkout(c.id);
    expect(order.total_cents).toBe(1700);
    expect((await shop.product(mug.id))?.stock).toBe(7);
    expect((await shop.product(pen.id))?.stock).toBe(8);
    expect(await shop.cart(c.id)).toEqual([]);
  });
});
