// The Inventory service, as its team ships it today. It belongs to ANOTHER team: you consume it
// through src/inventory-client.ts. It is copied here so your tests can start it on your machine.
//
// The grader does not use your copy of this folder: it runs your tests against the provider's
// current version and against versions the provider team might ship next.
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from "express";
import { seedItems, type StockItem } from "./data.ts";

type Reservation = { id: string; sku: string; quantity: number; expiresAt: string; released: boolean };

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;
const RESERVATION_TTL_MS = 15 * 60 * 1000;

/** An error answer: always `{ "error": { "code", "message", ...details } }`. */
function fail(res: Response, status: number, code: string, message: string, details: Record<string, unknown> = {}) {
  res.status(status).json({ error: { code, message: `${message[0]!.toUpperCase()}${message.slice(1)}.`, ...details } });
}

/** How an item is represented on the wire. */
function itemBody(item: StockItem) {
  return { sku: item.sku, name: item.name, available: item.available, priceCents: item.priceCents, currency: "EUR" };
}

const encodeCursor = (index: number) => Buffer.from(JSON.stringify({ i: index, v: 2 })).toString("base64url");
function decodeCursor(cursor: string): number | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    return Number.isInteger(parsed?.i) && parsed.i >= 0 ? parsed.i : null;
  } catch {
    return null;
  }
}

export function createProviderApp(options: { token: string }) {
  const items = seedItems();
  const bySku = new Map(items.map((i) => [i.sku, i]));
  const reservations = new Map<string, Reservation>();
  /** Idempotency-Key → the reservation it created and the request it came with. */
  const idempotency = new Map<string, { fingerprint: string; reservationId: string }>();

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json());

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.get("authorization") !== `Bearer ${options.token}`) return fail(res, 401, "unauthorized", "send Authorization: Bearer <token>");
    next();
  });

  app.get("/v1/items", (req, res) => {
    const limit = req.query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) return fail(res, 400, "invalid_request", `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    let start = 0;
    if (typeof req.query.cursor === "string") {
      const at = decodeCursor(req.query.cursor);
      if (at === null) return fail(res, 400, "invalid_request", "cursor is not one this API produced");
      start = at;
    }
    const page = items.slice(start, start + limit);
    const more = start + limit < items.length;
    res.json({ items: page.map(itemBody), nextCursor: more ? encodeCursor(start + limit) : null });
  });

  app.get("/v1/items/:sku", (req, res) => {
    const item = bySku.get(req.params.sku);
    if (!item) return fail(res, 404, "not_found", `no item with sku ${req.params.sku}`);
    res.json(itemBody(item));
  });

  app.post("/v1/reservations", (req, res) => {
    const { sku, quantity } = req.body ?? {};
    if (typeof sku !== "string" || !Number.isInteger(quantity) || quantity < 1) {
      return fail(res, 400, "invalid_request", "send {\"sku\": string, \"quantity\": integer >= 1}");
    }
    const key = req.get("idempotency-key");
    const fingerprint = JSON.stringify([sku, quantity]);
    if (key) {
      const seen = idempotency.get(key);
      if (seen && seen.fingerprint !== fingerprint) return fail(res, 422, "idempotency_key_reused", "this Idempotency-Key was used for another request");
      if (seen) return res.status(201).json(reservationBody(reservations.get(seen.reservationId)!));
    }
    const item = bySku.get(sku);
    if (!item) return fail(res, 404, "not_found", `no item with sku ${sku}`);
    if (item.available < quantity) return fail(res, 409, "insufficient_stock", `only ${item.available} of ${sku} available`, { available: item.available });
    item.available -= quantity;
    const reservation: Reservation = { id: `res_${randomUUID()}`, sku, quantity, expiresAt: new Date(Date.now() + RESERVATION_TTL_MS).toISOString(), released: false };
    reservations.set(reservation.id, reservation);
    if (key) idempotency.set(key, { fingerprint, reservationId: reservation.id });
    res.status(201).json(reservationBody(reservation));
  });

  app.delete("/v1/reservations/:id", (req, res) => {
    const reservation = reservations.get(req.params.id);
    if (!reservation || reservation.released) return fail(res, 404, "not_found", `no active reservation ${req.params.id}`);
    reservation.released = true;
    bySku.get(reservation.sku)!.available += reservation.quantity;
    res.status(204).end();
  });

  app.use((_req: Request, res: Response) => fail(res, 404, "not_found", "no such route"));
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err?.type === "entity.parse.failed") return fail(res, 400, "invalid_request", "the body is not valid JSON");
    console.error(err);
    fail(res, 500, "internal", "internal error");
  };
  app.use(onError);
  return app;
}

function reservationBody(r: Reservation) {
  return { id: r.id, sku: r.sku, quantity: r.quantity, expiresAt: r.expiresAt };
}
