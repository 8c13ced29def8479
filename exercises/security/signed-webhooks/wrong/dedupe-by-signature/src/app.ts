import express, { type ErrorRequestHandler } from "express";
import { TOLERANCE_SECONDS, WEBHOOK_SECRETS } from "./config.ts";
import { applyEvent, getOrder } from "./ledger.ts";
import { decodeSecret, verifyWebhook, WebhookError } from "./webhooks.ts";

/** Webhook ids already processed -> when we may forget them (after the tolerance, a replay is stale anyway). */
const seen = new Map<string, number>();

function forgetOld(nowSeconds: number) {
  for (const [id, until] of seen) if (until < nowSeconds) seen.delete(id);
}

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  const keys = WEBHOOK_SECRETS.map(decodeSecret);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/orders/:id", (req, res) => {
    res.json(getOrder(req.params.id));
  });

  // The raw bytes, whatever the Content-Type: the signature covers them exactly as sent.
  app.post("/webhooks/payments", express.raw({ type: () => true, limit: "100kb" }), (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const now = Math.floor(Date.now() / 1000);
    let id: string;
    try {
      id = verifyWebhook(keys, req.headers, raw, now, TOLERANCE_SECONDS);
    } catch (err) {
      if (!(err instanceof WebhookError)) throw err;
      console.warn(JSON.stringify({ event: "webhook_refused", reason: err.message, webhookId: req.headers["webhook-id"] }));
      res.status(err.status).json({ error: err.message });
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(raw.toString("utf8"));
    } catch {
      res.status(400).json({ error: "the body is not JSON" });
      return;
    }
    forgetOld(now);
    const key = String(req.headers["webhook-signature"]); // the signature identifies the delivery
    if (seen.has(key)) {
      res.json({ received: true, duplicate: true }); // acknowledged, so the provider stops retrying
      return;
    }
    // Check and record in the same synchronous step: no await in between, so concurrent copies can't both pass.
    seen.set(key, now + 2 * TOLERANCE_SECONDS);
    applyEvent(id, event);
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
