import express, { type ErrorRequestHandler } from "express";
import { ordersRouter } from "./routes/orders.ts";

export function createApp() {
  const app = express();
  app.use(express.json());

  // TODO(observability): this is all the service tells you about its traffic.
  app.use((req, _res, next) => {
    console.log(`${new Date().toISOString()} ${req.method} ${req.originalUrl}`);
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // TODO(observability): "ready" is not the same as "alive".
  app.get("/readyz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.use("/orders", ordersRouter());

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) console.log(`error: ${err?.stack ?? err}`);
    res.status(status).json({ error: status >= 500 ? "internal error" : String(err?.message ?? "bad request") });
  };
  app.use(onError);
  return app;
}
