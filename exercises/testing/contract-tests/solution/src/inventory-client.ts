// Our client for the Inventory service (another team's API). The checkout uses it to show
// prices and stock, to sync the catalogue, and to hold stock while a customer pays.
//
// Like most hand-written clients, it trusts the provider: it reads the JSON it gets and
// casts it to our types. If the provider changes what it sends, nothing here notices, and
// the checkout breaks in production. Contract tests are how we notice before that.

export type Item = {
  sku: string;
  name: string;
  /** Units that can still be reserved. */
  available: number;
  /** Price of one unit, in integer cents. */
  priceCents: number;
};

export type Reservation = { id: string; sku: string; quantity: number; expiresAt: Date };

/** The provider has fewer units than we asked to reserve. */
export class InsufficientStockError extends Error {
  override name = "InsufficientStockError";
  constructor(
    readonly sku: string,
    /** How many units the provider still has, to offer the customer. */
    readonly available: number,
  ) {
    super(`only ${available} of ${sku} available`);
  }
}

/** Any other answer we did not expect. */
export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`inventory provider answered ${status}${code ? ` (${code})` : ""}`);
  }
}

type Answer = { status: number; body: any };

export type InventoryClientOptions = { baseUrl: string; token: string; fetch?: typeof fetch };

export function createInventoryClient({ baseUrl, token, fetch: fetchFn = fetch }: InventoryClientOptions) {
  async function call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...init.headers };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetchFn(new URL(path, baseUrl), { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  const unexpected = (a: Answer) => new ProviderError(a.status, a.body?.error?.code);

  return {
    /** One item, or null when the provider does not know the sku. */
    async getItem(sku: string): Promise<Item | null> {
      const a = await call("GET", `/v1/items/${encodeURIComponent(sku)}`);
      if (a.status === 404) return null;
      if (a.status !== 200) throw unexpected(a);
      return a.body as Item;
    },

    /** Every item, page after page: the catalogue sync runs this every night. */
    async listItems(): Promise<Item[]> {
      const all: Item[] = [];
      let cursor: string | null = null;
      do {
        const a = await call("GET", `/v1/items${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
        if (a.status !== 200) throw unexpected(a);
        all.push(...(a.body.items as Item[]));
        cursor = a.body.nextCursor ?? null;
      } while (cursor);
      return all;
    },

    /**
     * Holds `quantity` units while the customer pays. The checkout retries a reservation that
     * timed out with the SAME idempotency key, and relies on the provider to answer the first
     * reservation again instead of holding the stock twice.
     */
    async reserve(sku: string, quantity: number, idempotencyKey: string): Promise<Reservation> {
      const a = await call("POST", "/v1/reservations", { body: { sku, quantity }, headers: { "idempotency-key": idempotencyKey } });
      if (a.status === 201) return { ...a.body, expiresAt: new Date(a.body.expiresAt) } as Reservation;
      if (a.status === 409 && a.body?.error?.code === "insufficient_stock") throw new InsufficientStockError(sku, a.body.error.available);
      throw unexpected(a);
    },

    /** Gives the units back. Releasing twice is fine: the checkout may retry this too. */
    async release(reservationId: string): Promise<void> {
      const a = await call("DELETE", `/v1/reservations/${encodeURIComponent(reservationId)}`);
      if (a.status === 204 || a.status === 404) return;
      throw unexpected(a);
    },
  };
}

export type InventoryClient = ReturnType<typeof createInventoryClient>;
