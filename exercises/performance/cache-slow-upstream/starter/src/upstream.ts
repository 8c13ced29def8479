// The pricing service this API depends on, simulated in-process so that it behaves the same
// everywhere: every call takes 100 ms, and every call is counted.
//
// DO NOT CHANGE THIS FILE. The grader reads the counter (through GET /__stats) to see how
// often your service calls the pricing service, and it relies on the 100 ms and on product
// 13's flakiness being exactly as written here.

export type Price = {
  /** The price in cents, e.g. 1999 for 19.99. */
  cents: number;
  currency: "EUR";
  /** When the pricing service computed this price (ISO 8601). */
  as_of: string;
};

/** The pricing service failed; nothing was priced. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
}

export const LATENCY_MS = 100;

/** How many times fetchPrice() has been called since the service started. */
export const stats = { upstreamCalls: 0 };

let product13Calls = 0;

/**
 * Asks the pricing service for a product's current price: resolves after 100 ms. Product 13
 * trips a bug in the pricing service on every other call, starting with the first: those
 * calls reject with an UpstreamError (also after 100 ms).
 */
export function fetchPrice(id: number): Promise<Price> {
  stats.upstreamCalls++;
  const fails = id === 13 && ++product13Calls % 2 === 1;
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      if (fails) reject(new UpstreamError(`pricing service: internal error while pricing product ${id}`));
      else resolve({ cents: 100 + ((id * 7919) % 9900), currency: "EUR", as_of: new Date().toISOString() });
    }, LATENCY_MS);
  });
}
