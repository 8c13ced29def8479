import { randomUUID } from "node:crypto";
import express from "express";
import { z } from "zod";
import type { Db } from "./db.ts";
import { deliver, type OrderPlaced } from "./publisher.ts";

const NewOrder = z.strictObject({
  item: z.string().trim().min(1).max(100),
  quantity: z.int().min(1).max(1000),
});

type OrderRow = { id: number; item: string; quantity: number; created_at: Date };
const toJson = (o: OrderRow) => ({ id: o.id, item: o.item, quantity: o.quantity, createdAt: o.created_at.toISOString() });

function problem(res: express.Response, status: number, title: string, detail?: string) {
  res.status(status).type("application/problem+json").send(JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}) }));
}

export function createApp(db: Db) {
  const app = express();
  app.use(express.json({ limit: "10kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.post("/orders", async (req, res) => {
    const parsed = NewOrder.safeParse(req.body);
    if (!parsed.success) return problem(res, 400, "Invalid order", z.prettifyError(parsed.error));
    const { item, quantity } = parsed.data;
    // The order and its event commit together or not at all; the relay publishes the event.
    const order = await db.transaction(async (tx) => {
      const row = (await tx.query<OrderRow>("INSERT INTO orders (item, quantity) VALUES ($1, $2) RETURNING *", [item, quantity])).rows[0]!;
      const id = randomUUID();
      const event: OrderPlaced = { id, type: "order.placed", orderId: row.id, item, quantity, occurredAt: row.created_at.toISOString() };
      await deliver(event, { "Idempotency-Key": id });
      return row;
    });
    res.status(201).location(`/orders/${order.id}`).json(toJson(order));
  });

  app.get("/orders", async (_req, res) => {
    const rows = (await db.query<OrderRow>("SELECT * FROM orders ORDER BY id")).rows;
    res.json({ orders: rows.map(toJson) });
  });

  app.get("/orders/:id", async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id < 1) return problem(res, 400, "Invalid order id");
    const row = (await db.query<OrderRow>("SELECT * FROM orders WHERE id = $1", [id])).rows[0];
    if (!row) return problem(res, 404, "No such order");
    res.json(toJson(row));
  });

  // Malformed JSON and anything unexpected: problem+json, never an HTML page.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) return problem(res, status, "Bad request");
    console.error(err);
    problem(res, 500, "Internal error");
  });

  return app;
}
