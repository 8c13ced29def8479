import express from "express";
import type { Store } from "./store.ts";

/** What the routes need to know about the process's state. */
export type Lifecycle = { shuttingDown: boolean };

export function createApp(store: Store, lifecycle: Lifecycle) {
  const app = express();

  // While shutting down, every response asks the client to close its connection, so
  // keep-alive clients reconnect elsewhere instead of holding this process open.
  app.use((_req, res, next) => {
    if (lifecycle.shuttingDown) res.setHeader("Connection", "close");
    next();
  });

  // Liveness: is the process alive? Stays 200 while shutting down (restarting it would not help).
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Readiness: should the load balancer send traffic here? Not once shutdown has begun.
  app.get("/readyz", (_req, res) => {
    if (lifecycle.shuttingDown) res.status(503).json({ status: "shutting_down" });
    else res.json({ status: "ok" });
  });

  // Some real work: takes `ms` milliseconds (at most 10 s), then records it.
  app.get("/work", async (req, res) => {
    const ms = Math.min(10_000, Math.max(0, Number(req.query.ms ?? 100) || 0));
    const id = String(req.query.id ?? "anonymous").slice(0, 64);
    await new Promise((r) => setTimeout(r, ms));
    store.record(`work ${id} ${ms}`);
    res.json({ done: true, id, ms });
  });

  // A request that never finishes (a stuck upstream call, say).
  app.get("/hang", () => {});

  // What the store holds, and how the previous process ended.
  app.get("/store", (_req, res) => {
    res.json({ previousShutdown: store.previousShutdown, records: store.records() });
  });

  return app;
}
