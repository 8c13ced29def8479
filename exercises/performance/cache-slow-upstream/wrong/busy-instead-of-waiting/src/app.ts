import express, { type ErrorRequestHandler, type Response } from "express";
import { CacheBusyError, ReadThroughCache, type Cached } from "./cache.ts";
import { productName, parseId } from "./catalog.ts";
import { config } from "./config.ts";
import { fetchPrice, stats, UpstreamError, type Price } from "./upstream.ts";

export type AppOptions = { ttlMs?: number; maxEntries?: number; now?: () => number };

export function createApp(options: AppOptions = {}) {
  const now = options.now ?? Date.now;
  const prices = new ReadThroughCache<Price>({
    ttlMs: options.ttlMs ?? config.cacheTtlMs,
    maxEntries: options.maxEntries ?? config.cacheMaxEntries,
    load: (key) => fetchPrice(Number(key)),
    now,
  });

  const app = express();
  app.disable("x-powered-by");

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // DO NOT CHANGE: the grader reads this to count the calls to the pricing service.
  app.get("/__stats", (_req, res) => {
    res.json({ upstreamCalls: stats.upstreamCalls });
  });

  /** Errors are answered fresh every time: no client or proxy may keep them. */
  const fail = (res: Response, status: number, error: string) => {
    res.status(status).set("Cache-Control", "no-store").json({ error });
  };

  app.get("/products/:id", async (req, res) => {
    const id = parseId(req.params.id);
    if (id === null) return fail(res, 400, "the product id must be a positive integer");
    const name = productName(id);
    if (name === undefined) return fail(res, 404, `no product ${id}`);
    let cached: Cached<Price>;
    try {
      cached = await prices.get(String(id));
    } catch (err) {
      if (err instanceof CacheBusyError) return fail(res, 503, "the price is being fetched, retry shortly");
      if (!(err instanceof UpstreamError)) throw err;
      return fail(res, 502, "the pricing service failed, try again");
    }
    // Whole seconds the price stays fresh here, rounded down: a client reusing it for that
    // long never holds it past our own TTL.
    const maxAge = Math.max(0, Math.floor((cached.expiresAt - now()) / 1000));
    res.set("Cache-Control", `public, max-age=${maxAge}`).json({ id, name, price: cached.value });
  });

  app.post("/products/:id/invalidate", (req, res) => {
    const id = parseId(req.params.id);
    if (id === null) return fail(res, 400, "the product id must be a positive integer");
    prices.invalidate(String(id));
    res.status(204).end();
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    console.error(err);
    res.status(500).json({ error: "internal error" });
  };
  app.use(onError);
  return app;
}
