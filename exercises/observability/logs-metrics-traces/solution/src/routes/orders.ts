import { Router } from "express";
import { z } from "zod";
import { catalogLoaded, getProduct } from "../catalog.ts";
import { reserve } from "../inventory.ts";
import { logger } from "../observability/logger.ts";
import { store } from "../orders.ts";

const NewOrder = z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().min(1).max(100) });

export function ordersRouter(): Router {
  const router = Router();

  router.get("/", (_req, res) => {
    res.json(store.list());
  });

  router.post("/", async (req, res) => {
    const parsed = NewOrder.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "body must be {sku: string, quantity: integer 1-100}" });
      return;
    }
    if (!catalogLoaded()) {
      res.status(503).json({ error: "catalog not loaded yet" });
      return;
    }
    const { sku, quantity } = parsed.data;
    const product = getProduct(sku);
    if (!product) {
      res.status(422).json({ error: `unknown sku ${sku}` });
      return;
    }
    try {
      const reservation = await reserve(sku, quantity);
      if (reservation === "out-of-stock") {
        res.status(409).json({ error: `not enough ${sku} in stock` });
        return;
      }
      const order = store.add({ sku, quantity, total_cents: product.price_cents * quantity, reservation_id: reservation.reservation_id });
      res.status(201).json(order);
    } catch (err) {
      logger.error("inventory call failed", { error: (err as Error).message });
      res.status(502).json({ error: "inventory unavailable" });
    }
  });

  router.get("/:id", (req, res) => {
    const order = store.get(req.params.id);
    if (!order) {
      res.status(404).json({ error: "order not found" });
      return;
    }
    res.json(order);
  });

  router.delete("/:id", (req, res) => {
    if (!store.delete(req.params.id)) {
      res.status(404).json({ error: "order not found" });
      return;
    }
    res.status(204).end();
  });

  return router;
}
