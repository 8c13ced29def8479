import express, { type ErrorRequestHandler } from "express";
import { productName, parseId } from "./catalog.ts";
import { fetchPrice, stats, UpstreamError } from "./upstream.ts";

export function createApp() {
  const app = express();
  app.disable("x-powered-by");

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // DO NOT CHANGE: the grader reads this to count the calls to the pricing service.
  app.get("/__stats", (_req, res) => {
    res.json({ upstreamCalls: stats.upstreamCalls });
  });

  // TODO(cache): every request waits 100 ms for the pricing service, even for a price it
  // fetched a millisecond ago.
  app.get("/products/:id", async (req, res) => {
    const id = parseId(req.params.id);
    if (id === null) {
      res.status(400).json({ error: "the product id must be a positive integer" });
      return;
    }
    const name = productName(id);
    if (name === undefined) {
      res.status(404).json({ error: `no product ${id}` });
      return;
    }
    try {
      const price = await fetchPrice(id);
      res.json({ id, name, price });
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      res.status(502).json({ error: "the pricing service failed, try again" });
    }
  });

  // TODO(cache): there is no cache yet, so there is nothing to evict.
  app.post("/products/:id/invalidate", (req, res) => {
    if (parseId(req.params.id) === null) {
      res.status(400).json({ error: "the product id must be a positive integer" });
      return;
    }
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
