// The client for the inventory service, another team's HTTP API that this service depends on.
import { propagationHeaders } from "./observability/trace.ts";

export const INVENTORY_URL = (process.env.INVENTORY_URL ?? "http://127.0.0.1:4000").replace(/\/+$/, "");

export type Product = { sku: string; name: string; price_cents: number };
export type Reservation = { reservation_id: string; sku: string; quantity: number };

export class InventoryError extends Error {}

/** The product catalog. Loaded once at startup (see catalog.ts). */
export async function fetchCatalog(): Promise<Product[]> {
  const res = await fetch(`${INVENTORY_URL}/catalog`, { headers: propagationHeaders(), signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new InventoryError(`GET /catalog answered ${res.status}`);
  return (await res.json()) as Product[];
}

/** Reserves stock for an order: the reservation, or "out-of-stock". */
export async function reserve(sku: string, quantity: number): Promise<Reservation | "out-of-stock"> {
  const res = await fetch(`${INVENTORY_URL}/reservations`, {
    method: "POST",
    // The trace continues downstream: same trace id, our span as the parent.
    headers: { "content-type": "application/json", ...propagationHeaders() },
    body: JSON.stringify({ sku, quantity }),
    signal: AbortSignal.timeout(2000),
  });
  if (res.status === 409) return "out-of-stock";
  if (res.status !== 201) throw new InventoryError(`POST /reservations answered ${res.status}`);
  return (await res.json()) as Reservation;
}

/** For readiness: does the inventory service answer its health check, quickly? */
export async function inventoryHealthy(timeoutMs = 500): Promise<boolean> {
  try {
    const res = await fetch(`${INVENTORY_URL}/healthz`, { headers: propagationHeaders(), signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
