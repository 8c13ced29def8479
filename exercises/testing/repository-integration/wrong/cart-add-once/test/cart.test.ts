import { describe, expect, it } from "vitest";
import { newCustomer, shop } from "./support.ts";

describe("cart", () => {
  it("holds what was added", async () => {
    const c = await newCustomer();
    const mug = await shop.addProduct("MUG", 500, 10);
    const pen = await shop.addProduct("PEN", 100, 10);
    expect(await shop.addToCart(c.id, mug.id, 2)).toBe(2);
    expect(await shop.addToCart(c.id, pen.id, 3)).toBe(3);
    expect(await shop.cart(c.id)).toEqual([
      { product_id: mug.id, quantity: 2 },
      { product_id: pen.id, quantity: 3 },
    ]);
  });
});
