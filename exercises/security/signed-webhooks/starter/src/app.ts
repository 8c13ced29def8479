import express, { type ErrorRequestHandler } from "express";
import { WEBHOOK_SECRETS } from "./config.ts";
import { applyEvent, getOrder } from "./ledger.ts";
import { decodeSecret, verifyWebhook, WebhookError } from "./webhooks.ts";

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "100kb" }));
  const keys = WEBHOOK_SECRETS.map(decodeSecret);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/orders/:id", (req, res) => {
    res.json(getOrder(req.params.id));
  });

  app.post("/webhooks/payments", (req, res) => {
    let id: string;
    try {
      id = verifyWebhook(keys, req.headers, req.body);
    } catch (err) {
      if (!(err instanceof WebhookError)) throw err;
      res.status(err.status).json({ error: err.message });
      return;
    }
    applyEvent(id, req.body);
    res.json({ received: true });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    res.status(status).json({ error: status === 500 ? "internal error" : "bad request" });
  };
  app.use(onError);
  return app;
}
