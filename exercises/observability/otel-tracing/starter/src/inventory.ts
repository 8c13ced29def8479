import { setTimeout as sleep } from "node:timers/promises";
import { tracer } from "./telemetry.ts";

// The inventory "database": in memory, with a little latency like a real query.

type Product = { sku: string; name: string; priceCents: number; stock: number };

const PRODUCTS = new Map<string, Product>([
  ["KB-01", { sku: "KB-01", name: "Mechanical keyboard", priceCents: 8900, stock: 1000 }],
  ["MS-02", { sku: "MS-02", name: "Wireless mouse", priceCents: 2900, stock: 1000 }],
  ["HD-03", { sku: "HD-03", name: "USB-C hub", priceCents: 4500, stock: 3 }],
]);

export async function lookup(sku: string): Promise<Product | undefined> {
  const span = tracer.startSpan("inventory.lookup", { attributes: { "inventory.sku": sku } });
  await sleep(5);
  const product = PRODUCTS.get(sku);
  span.setAttribute("inventory.found", product !== undefined);
  span.end();
  return product ? { ...product } : undefined;
}

/** Takes `quantity` off the stock; false when there is not enough. */
export async function reserve(sku: string, quantity: number): Promise<boolean> {
  const span = tracer.startSpan("inventory.reserve", { attributes: { "inventory.sku": sku, "inventory.quantity": quantity } });
  await sleep(5);
  const product = PRODUCTS.get(sku);
  if (!product || product.stock < quantity) return false;
  product.stock -= quantity;
  span.end();
  return true;
}

/** Gives reserved stock back (the payment failed). */
export async function release(sku: string, quantity: number): Promise<void> {
  await sleep(2);
  const product = PRODUCTS.get(sku);
  if (product) product.stock += quantity;
}
