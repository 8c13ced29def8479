import crypto from "node:crypto";
import { trace } from "@opentelemetry/api";
import express, { type ErrorRequestHandler } from "express";
import { z } from "zod";
import { lookup, release, reserve } from "./inventory.ts";
import { charge, PaymentError } from "./payments.ts";
import { loadDailyReport } from "./reports.ts";
import { serverSpanOf, traceRequests } from "./tracing/server-spans.ts";
import { recordError } from "./tracing/spans.ts";

const OrderBody = z.object({
  sku: z.string().min(1).max(32),
  quantity: z.number().int().min(1).max(10),
  email: z.email().max(254),
});

type Order = { id: string; sku: string; quantity: number; email: string; chargeId: string };
const orders = new Map<string, Order>();

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  // First: every request, including 404s and body-parser errors, gets its server span.
  app.use(traceRequests());
  app.use(express.json({ limit: "10kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/products/:sku", async (req, res) => {
    const product = await lookup(req.params.sku);
    if (!product) {
      res.status(404).json({ error: "no such product" });
      return;
    }
    res.json(product);
  });

  app.post("/orders", async (req, res) => {
    const body = OrderBody.safeParse(req.body);
    if (!body.success) {
      res.status(400).json({ error: body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") });
      return;
    }
    const { sku, quantity, email } = body.data;
    const id = crypto.randomUUID();
    // An opaque id is enough to find this order's trace; the customer's email is personal
    // data and stays out of telemetry (it ends up in a vendor's storage, kept for weeks).
    trace.getActiveSpan()?.setAttribute("order.id", id);
    const product = await lookup(sku);
    if (!product) {
      res.status(422).json({ error: "unknown sku" });
      return;
    }
    if (!(await reserve(sku, quantity))) {
      res.status(409).json({ error: "out of stock" });
      return;
    }
    try {
      const { chargeId } = await charge(id, product.priceCents * quantity);
      orders.set(id, { id, sku, quantity, email, chargeId });
      res.status(201).json({ id, sku, quantity, status: "paid" });
    } catch (err) {
      await release(sku, quantity);
      if (!(err instanceof PaymentError)) throw err;
      res.status(502).json({ error: "the payment failed" });
    }
  });

  app.get("/reports/daily", async (_req, res) => {
    res.json(await loadDailyReport());
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status >= 500) {
      // The exception event carries the type, message and stack trace to the tracing backend.
      const span = serverSpanOf(res);
      if (span) recordError(span, err);
      console.error(err);
    }
    res.status(status).json({ error: status >= 500 ? "internal error" : "bad request" });
  };
  app.use(onError);
  return app;
}
