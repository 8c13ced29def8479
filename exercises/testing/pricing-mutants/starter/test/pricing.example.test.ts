import { describe, expect, it } from "vitest";
import { priceOrder } from "../src/pricing.ts";

// Two examples to start from. They pass on the reference implementation, but they would
// miss almost every bug the grader plants. Add your own tests (in this file or new
// *.test.ts files in test/) until each rule of README.md is pinned down.
describe("priceOrder (examples — add your own)", () => {
  it("prices a single line", () => {
    const quote = priceOrder({ items: [{ sku: "MUG", unitPriceCents: 1250, quantity: 2 }], taxRateBasisPoints: 0 });
    expect(quote.totalCents).toBe(2500);
  });

  it("gives a line of 30 units 10 % off", () => {
    const quote = priceOrder({ items: [{ sku: "PEN", unitPriceCents: 1000, quantity: 30 }], taxRateBasisPoints: 0 });
    expect(quote.quantityDiscountCents).toBe(3000);
    expect(quote.totalCents).toBe(27_000);
  });
});
