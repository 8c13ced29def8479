import { describe, expect, it } from "vitest";
import { newCustomer, shop } from "./support.ts";

describe("several checkouts", () => {
  it("take each their quantity from stock", async () => {
    const mug = await shop.addProduct("MUG", 500, 10);
    for (let i = 0; i < 3; i++) {
      const c = await newCustomer();
      await shop.addToCart(c.id, mug.id, 1);
      await shop.checkout(c.id);
    }
    expect((await shop.product(mug.id))?.stock).toBe(7);
  });
});
