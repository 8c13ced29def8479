import { fetchCatalog, type Product } from "./inventory.ts";
import { logger } from "./observability/logger.ts";

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
      logger.info("catalog loaded", { products: products.size });
    } catch (err) {
      if (failures++ % 50 === 0) logger.warn("catalog not loaded yet; retrying", { error: (err as Error).message, retry_ms: retryMs, failures });
      setTimeout(attempt, retryMs);
    }
  };
  void attempt();
}
