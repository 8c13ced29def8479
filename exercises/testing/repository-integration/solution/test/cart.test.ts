import { describe, expect, it } from "vitest";
import { newCustomer, shop } from "./support.ts";

describe("cart", () => {
  it("adds to the quantity of a product already in the cart", async () => {
    const c = await newCustomer();
    const mug = await shop.addProduct("MUG", 500, 10);
    expect(await shop.addToCart(c.id, mug.id, 2)).toBe(2);
    expect(await shop.addToCart(c.id, mug.id, 3)).toBe(5);
    expect(await shop.cart(c.id)).toEqual([{ product_id: mug.id, quantity: 5 }]);
  });
});
