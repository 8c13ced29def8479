import { Router, type ErrorRequestHandler } from "express";
import { createOrderService } from "./orders.ts";

const service = createOrderService();

/** Routes that guess the HTTP status from the text of thrown strings. */
export const ordersRouter = Router();

ordersRouter.get("/orders/:id", async (req, res) => {
  try {
    res.json(await service.getOrder(req.params.id));
  } catch (e) {
    if (String(e).startsWith("not found")) res.status(404).json({ error: e });
    else res.status(500).json({ error: String(e) });
  }
});

ordersRouter.post("/orders/:id/pay", async (req, res) => {
  try {
    res.json(await service.payOrder(req.params.id));
  } catch (e) {
    const msg = String(e);
    if (msg.startsWith("not found")) res.status(404).json({ error: msg });
    else if (msg === "already paid") res.status(400).json({ error: msg });
    else if (msg.startsWith("payment failed")) res.status(400).json({ error: msg });
    else res.status(500).json({ error: msg });
  }
});

/** Last-resort handler: sends whatever it caught straight to the client. */
export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
};
