// The client for the inventory service, another team's HTTP API that this service depends on.

export const INVENTORY_URL = (process.env.INVENTORY_URL ?? "http://127.0.0.1:4000").replace(/\/+$/, "");

export type Product = { sku: string; name: string; price_cents: number };
export type Reservation = { reservation_id: string; sku: string; quantity: number };

export class InventoryError extends Error {}

/** The product catalog. Loaded once at startup (see catalog.ts). */
export async function fetchCatalog(): Promise<Product[]> {
  const res = await fetch(`${INVENTORY_URL}/catalog`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new InventoryError(`GET /catalog answered ${res.status}`);
  return (await res.json()) as Product[];
}

/** Reserves stock for an order: the reservation, or "out-of-stock". */
export async function reserve(sku: string, quantity: number): Promise<Reservation | "out-of-stock"> {
  const res = await fetch(`${INVENTORY_URL}/reservations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sku, quantity }),
    signal: AbortSignal.timeout(2000),
  });
  if (res.status === 409) return "out-of-stock";
  if (res.status !== 201) throw new InventoryError(`POST /reservations answered ${res.status}`);
  return (await res.json()) as Reservation;
}
