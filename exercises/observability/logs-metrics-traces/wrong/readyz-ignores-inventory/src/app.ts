import express, { type ErrorRequestHandler } from "express";
import { catalogLoaded } from "./catalog.ts";
import { inventoryHealthy } from "./inventory.ts";
import { logger, RECENT_LOGS_MAX, recentLogs } from "./observability/logger.ts";
import { CONTENT_TYPE, registry } from "./observability/metrics.ts";
import { observe } from "./observability/middleware.ts";
import { ordersRouter } from "./routes/orders.ts";

export function createApp() {
  const app = express();
  // First, so that every request (even a rejected body) gets an id, a trace, a log line and metrics.
  app.use(observe());
  app.use(express.json());

  // Liveness: the process is up and serving. Never depends on anything else.
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Readiness: this instance can do useful work right now (its data is loaded and the
  // dependency it needs answers). A load balancer stops routing to it while this is 503.
  app.get("/readyz", async (_req, res) => {
    const catalog = catalogLoaded();
    const inventory = await inventoryHealthy();
    const ready = catalog;
    res.status(ready ? 200 : 503).json({
      status: ready ? "ready" : "not ready",
      checks: { catalog: catalog ? "ok" : "loading", inventory: inventory ? "ok" : "down" },
    });
  });

  app.get("/metrics", (_req, res) => {
    res.type(CONTENT_TYPE).send(registry.render());
  });

  if (process.env.DEBUG_LOGS === "1") {
    app.get("/debug/logs", (req, res) => {
      const raw = req.query.n ?? "20";
      if (typeof raw !== "string" || !/^\d{1,6}$/.test(raw) || Number(raw) < 1) {
        res.status(400).json({ error: "n must be an integer >= 1" });
        return;
      }
      res.json(recentLogs(Math.min(Number(raw), RECENT_LOGS_MAX)));
    });
  }

  app.use("/orders", ordersRouter());

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) logger.error("unhandled error", { error: String(err?.stack ?? err) });
    res.status(status).json({ error: status >= 500 ? "internal error" : String(err?.message ?? "bad request") });
  };
  app.use(onError);
  return app;
}
