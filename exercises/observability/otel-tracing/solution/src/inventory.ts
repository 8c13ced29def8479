import { setTimeout as sleep } from "node:timers/promises";
import { inSpan } from "./tracing/spans.ts";

// The inventory "database": in memory, with a little latency like a real query.

type Product = { sku: string; name: string; priceCents: number; stock: number };

const PRODUCTS = new Map<string, Product>([
  ["KB-01", { sku: "KB-01", name: "Mechanical keyboard", priceCents: 8900, stock: 1000 }],
  ["MS-02", { sku: "MS-02", name: "Wireless mouse", priceCents: 2900, stock: 1000 }],
  ["HD-03", { sku: "HD-03", name: "USB-C hub", priceCents: 4500, stock: 3 }],
]);

export function lookup(sku: string): Promise<Product | undefined> {
  return inSpan("inventory.lookup", { "inventory.sku": sku }, async (span) => {
    await sleep(5);
    const product = PRODUCTS.get(sku);
    span.setAttribute("inventory.found", product !== undefined);
    return product ? { ...product } : undefined;
  });
}

/** Takes `quantity` off the stock; false when there is not enough. */
export function reserve(sku: string, quantity: number): Promise<boolean> {
  return inSpan("inventory.reserve", { "inventory.sku": sku, "inventory.quantity": quantity }, async () => {
    await sleep(5);
    const product = PRODUCTS.get(sku);
    if (!product || product.stock < quantity) return false;
    product.stock -= quantity;
    return true;
  });
}

/** Gives reserved stock back (the payment failed). */
export function release(sku: string, quantity: number): Promise<void> {
  return inSpan("inventory.release", { "inventory.sku": sku, "inventory.quantity": quantity }, async () => {
    await sleep(2);
    const product = PRODUCTS.get(sku);
    if (product) product.stock += quantity;
  });
}
