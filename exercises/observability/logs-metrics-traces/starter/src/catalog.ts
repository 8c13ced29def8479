import { fetchCatalog, type Product } from "./inventory.ts";

// The product catalog, loaded from the inventory service when the service starts. Until it
// is loaded the service cannot take orders.
let products: Map<string, Product> | null = null;

export function catalogLoaded(): boolean {
  return products !== null;
}

export function getProduct(sku: string): Product | undefined {
  return products?.get(sku);
}

/** Loads the catalog in the background, retrying every 200 ms until it succeeds. */
export function startCatalogLoader(retryMs = 200): void {
  let failures = 0;
  const attempt = async () => {
    try {
      const list = await fetchCatalog();
      products = new Map(list.map((p) => [p.sku, p]));
      console.log(`catalog loaded: ${products.size} products`);
    } catch (err) {
      if (failures++ === 0) console.log(`catalog not loaded yet (${(err as Error).message}); retrying every ${retryMs} ms`);
      setTimeout(attempt, retryMs);
    }
  };
  void attempt();
}
