/**
 * Order pricing. Every amount is an integer number of cents; README.md is the specification.
 *
 *   line gross  = unitPriceCents × quantity
 *   line disc.  = gross × tier% (the line's own quantity picks the tier), rounded half-up
 *   subtotal    = Σ gross;  discounted subtotal = subtotal − Σ line discounts
 *   coupon      = only if discounted subtotal ≥ minSubtotalCents; percent of the discounted
 *                 subtotal (rounded half-up) or a fixed amount, never more than that subtotal
 *   taxable     = discounted subtotal − coupon
 *   tax         = taxable × rate, rounded half-to-even (banker's rounding)
 *   total       = taxable + tax
 */

export interface LineItem {
  sku: string;
  /** Price of one unit in cents: a safe integer ≥ 0. */
  unitPriceCents: number;
  /** An integer ≥ 1. */
  quantity: number;
}

export type Coupon =
  | { code: string; kind: "percent"; /** integer 1–100 */ percent: number; minSubtotalCents?: number }
  | { code: string; kind: "fixed"; /** integer ≥ 1 */ amountCents: number; minSubtotalCents?: number };

export interface OrderInput {
  items: LineItem[];
  coupon?: Coupon;
  /** Tax rate in basis points: an integer 0–10 000 (825 = 8.25 %). */
  taxRateBasisPoints: number;
}

export interface PricedLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
  grossCents: number;
  /** The quantity tier's percentage for this line (0 below the first tier). */
  discountPercent: number;
  discountCents: number;
  netCents: number;
}

export interface Quote {
  lines: PricedLine[];
  /** Σ gross of the lines, before any discount. */
  subtotalCents: number;
  /** Σ line discounts. */
  quantityDiscountCents: number;
  /** Whether the coupon met its minimum order and was applied. */
  couponApplied: boolean;
  couponDiscountCents: number;
  taxableCents: number;
  taxCents: number;
  totalCents: number;
}

/** Quantity tiers, per line: the highest tier whose minQuantity the line's quantity reaches. */
export const QUANTITY_TIERS: readonly { minQuantity: number; percent: number }[] = [
  { minQuantity: 100, percent: 15 },
  { minQuantity: 25, percent: 10 },
  { minQuantity: 10, percent: 5 },
];

/** Orders whose subtotal exceeds this are refused (keeps every intermediate a safe integer). */
export const MAX_SUBTOTAL_CENTS = 100_000_000_000;

export function priceOrder(input: OrderInput): Quote {
  validate(input);

  const lines = input.items.map((item): PricedLine => {
    const grossCents = item.unitPriceCents * item.quantity;
    const discountPercent = tierFor(item.quantity);
    const discountCents = divideHalfUp(grossCents * discountPercent, 100);
    return { sku: item.sku, quantity: item.quantity, unitPriceCents: item.unitPriceCents, grossCents, discountPercent, discountCents, netCents: grossCents - discountCents };
  });

  const subtotalCents = sum(lines.map((l) => l.grossCents));
  if (subtotalCents > MAX_SUBTOTAL_CENTS) throw new RangeError(`subtotal ${subtotalCents} exceeds ${MAX_SUBTOTAL_CENTS} cents`);
  const quantityDiscountCents = sum(lines.map((l) => l.discountCents));
  const discountedCents = subtotalCents - quantityDiscountCents;

  const coupon = input.coupon;
  const couponApplied = coupon !== undefined && discountedCents >= (coupon.minSubtotalCents ?? 0);
  let couponDiscountCents = 0;
  if (coupon && couponApplied) {
    couponDiscountCents = coupon.kind === "percent" ? divideHalfUp(discountedCents * coupon.percent, 100) : Math.min(coupon.amountCents, discountedCents);
  }

  const taxableCents = discountedCents - couponDiscountCents;
  const taxCents = divideHalfEven(taxableCents * input.taxRateBasisPoints, 10_000);
  return {
    lines,
    subtotalCents,
    quantityDiscountCents,
    couponApplied,
    couponDiscountCents,
    taxableCents,
    taxCents,
    totalCents: taxableCents + taxCents,
  };
}

function tierFor(quantity: number): number {
  return QUANTITY_TIERS.find((t) => quantity > t.minQuantity)?.percent ?? 0;
}

/** n / d rounded to the nearest integer, ties away from zero (n ≥ 0, d > 0, both integers). */
function divideHalfUp(n: number, d: number): number {
  const r = n % d;
  const q = (n - r) / d;
  return 2 * r >= d ? q + 1 : q;
}

/** n / d rounded to the nearest integer, ties to the even neighbour (n ≥ 0, d > 0, both integers). */
function divideHalfEven(n: number, d: number): number {
  const r = n % d;
  const q = (n - r) / d;
  if (2 * r > d) return q + 1;
  if (2 * r < d) return q;
  return q % 2 === 0 ? q : q + 1;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function validate(input: OrderInput): void {
  const int = (v: unknown, min: number, max: number, what: string) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw new RangeError(`${what} must be an integer from ${min} to ${max}, got ${String(v)}`);
  };
  if (!Array.isArray(input.items)) throw new RangeError("items must be an array");
  for (const [i, item] of input.items.entries()) {
    int(item.unitPriceCents, 0, MAX_SUBTOTAL_CENTS, `items[${i}].unitPriceCents`);
    int(item.quantity, 1, 1_000_000, `items[${i}].quantity`);
  }
  int(input.taxRateBasisPoints, 0, 10_000, "taxRateBasisPoints");
  const c = input.coupon;
  if (c === undefined) return;
  int(c.minSubtotalCents ?? 0, 0, MAX_SUBTOTAL_CENTS, "coupon.minSubtotalCents");
  if (c.kind === "percent") int(c.percent, 1, 100, "coupon.percent");
  else if (c.kind === "fixed") int(c.amountCents, 1, MAX_SUBTOTAL_CENTS, "coupon.amountCents");
  else throw new RangeError(`unknown coupon kind ${String((c as { kind: unknown }).kind)}`);
}
