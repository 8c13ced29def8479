// The reference test suite: what a learner should have written. Each describe block targets
// one rule of README.md, with a case on each side of every boundary.
import { describe, expect, it } from "vitest";
import { priceOrder, type Coupon, type LineItem } from "../src/pricing.ts";

const line = (unitPriceCents: number, quantity: number, sku = "SKU"): LineItem => ({ sku, unitPriceCents, quantity });
const fixed = (amountCents: number, minSubtotalCents?: number): Coupon => ({ code: "FIXED", kind: "fixed", amountCents, minSubtotalCents });
const percent = (p: number, minSubtotalCents?: number): Coupon => ({ code: "PCT", kind: "percent", percent: p, minSubtotalCents });

describe("line items", () => {
  it("sums unit price × quantity with no discount below the first tier", () => {
    const q = priceOrder({ items: [line(1250, 2, "A"), line(399, 3, "B")], taxRateBasisPoints: 0 });
    expect(q.subtotalCents).toBe(3697);
    expect(q.quantityDiscountCents).toBe(0);
    expect(q.totalCents).toBe(3697);
  });

  it("prices an empty order at zero", () => {
    expect(priceOrder({ items: [], taxRateBasisPoints: 825 }).totalCents).toBe(0);
  });
});

describe("quantity tiers", () => {
  // Both sides of each threshold: 10 → 5 %, 25 → 10 %, 100 → 15 %.
  it.each([
    [9, 0],
    [10, 5],
    [24, 5],
    [25, 10],
    [99, 10],
    [100, 15],
    [250, 15],
  ])("a line of %i units gets %i percent off", (quantity, pct) => {
    const q = priceOrder({ items: [line(1000, quantity)], taxRateBasisPoints: 0 });
    expect(q.lines[0]!.discountPercent).toBe(pct);
    expect(q.lines[0]!.discountCents).toBe((1000 * quantity * pct) / 100);
    expect(q.totalCents).toBe(1000 * quantity - (1000 * quantity * pct) / 100);
  });

  it("picks the tier from each line's own quantity, not the order's", () => {
    const q = priceOrder({ items: [line(1000, 6, "A"), line(1000, 6, "B")], taxRateBasisPoints: 0 });
    expect(q.quantityDiscountCents).toBe(0);
    expect(q.totalCents).toBe(12_000);

    const mixed = priceOrder({ items: [line(1000, 10, "A"), line(1000, 1, "B")], taxRateBasisPoints: 0 });
    expect(mixed.lines.map((l) => l.discountCents)).toEqual([500, 0]);
    expect(mixed.totalCents).toBe(10_500);
  });

  it("rounds a line discount half-up to the cent", () => {
    // 105 × 10 = 1050; 5 % = 52.5 → 53
    const q = priceOrder({ items: [line(105, 10)], taxRateBasisPoints: 0 });
    expect(q.lines[0]!.discountCents).toBe(53);
    expect(q.lines[0]!.netCents).toBe(997);
  });
});

describe("coupons", () => {
  it("checks the minimum order against the subtotal after quantity discounts", () => {
    // 1000 × 10 = 10 000 gross, 9 500 after the 5 % tier.
    const below = priceOrder({ items: [line(1000, 10)], coupon: fixed(1000, 10_000), taxRateBasisPoints: 0 });
    expect(below.couponApplied).toBe(false);
    expect(below.totalCents).toBe(9_500);

    const exactly = priceOrder({ items: [line(1000, 10)], coupon: fixed(1000, 9_500), taxRateBasisPoints: 0 });
    expect(exactly.couponApplied).toBe(true);
    expect(exactly.totalCents).toBe(8_500);
  });

  it("takes a percentage of the subtotal after quantity discounts, rounded half-up", () => {
    const q = priceOrder({ items: [line(1000, 10)], coupon: percent(10), taxRateBasisPoints: 0 });
    expect(q.couponDiscountCents).toBe(950);
    expect(q.totalCents).toBe(8_550);

    // 1 005 × 10 % = 100.5 → 101
    expect(priceOrder({ items: [line(1005, 1)], coupon: percent(10), taxRateBasisPoints: 0 }).couponDiscountCents).toBe(101);
  });

  it("never takes a fixed coupon below zero", () => {
    const q = priceOrder({ items: [line(500, 1)], coupon: fixed(1000), taxRateBasisPoints: 0 });
    expect(q.couponDiscountCents).toBe(500);
    expect(q.totalCents).toBe(0);
  });
});

describe("tax", () => {
  it("rounds half-cents to the even cent (banker's rounding)", () => {
    // 105 × 10 % = 10.5 → 10;  115 × 10 % = 11.5 → 12;  200 × 8.25 % = 16.5 → 16
    expect(priceOrder({ items: [line(105, 1)], taxRateBasisPoints: 1000 }).taxCents).toBe(10);
    expect(priceOrder({ items: [line(115, 1)], taxRateBasisPoints: 1000 }).taxCents).toBe(12);
    expect(priceOrder({ items: [line(200, 1)], taxRateBasisPoints: 825 }).totalCents).toBe(216);
  });

  it("rounds other fractions to the nearest cent", () => {
    // 1 999 × 8.25 % = 164.9175 → 165;  1 001 × 8.25 % = 82.5825 → 83
    expect(priceOrder({ items: [line(1999, 1)], taxRateBasisPoints: 825 }).taxCents).toBe(165);
    expect(priceOrder({ items: [line(1001, 1)], taxRateBasisPoints: 825 }).taxCents).toBe(83);
  });
});

describe("validation", () => {
  it.each([
    ["a fractional price", { items: [line(9.99, 1)], taxRateBasisPoints: 0 }],
    ["a negative price", { items: [line(-1, 1)], taxRateBasisPoints: 0 }],
    ["a zero quantity", { items: [line(100, 0)], taxRateBasisPoints: 0 }],
    ["a tax rate above 100 %", { items: [line(100, 1)], taxRateBasisPoints: 10_001 }],
    ["a 0 % coupon", { items: [line(100, 1)], coupon: percent(0), taxRateBasisPoints: 0 }],
  ])("refuses %s with a RangeError", (_, input) => {
    expect(() => priceOrder(input)).toThrow(RangeError);
  });
});
