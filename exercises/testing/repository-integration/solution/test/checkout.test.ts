import { describe, expect, it } from "vitest";
import { OutOfStockError } from "../src/shop.ts";
import { newCustomer, shop } from "./support.ts";

describe("checkout", () => {
  it("takes stock, records the order and empties the cart", async () => {
    const c = await newCustomer();
    const mug = await shop.addProduct("MUG", 500, 10);
    await shop.addToCart(c.id, mug.id, 3);
    const order = await shop.checkout(c.id);
    expect(order.total_cents).toBe(1500);
    expect((await shop.product(mug.id))?.stock).toBe(7);
    expect(await shop.cart(c.id)).toEqual([]);
  });

  it("changes nothing when a later line is out of stock", async () => {
    const c = await newCustomer();
    const mug = await shop.addProduct("MUG", 500, 10);
    const pen = await shop.addProduct("PEN", 100, 1);
    await shop.addToCart(c.id, mug.id, 2);
    await shop.addToCart(c.id, pen.id, 5);
    await expect(shop.checkout(c.id)).rejects.toBeInstanceOf(OutOfStockError);
    expect((await shop.product(mug.id))?.stock).toBe(10);
    expect(await shop.ordersWithLines(c.id)).toEqual([]);
    expect(await shop.cart(c.id)).toHaveLength(2);
  });
});
