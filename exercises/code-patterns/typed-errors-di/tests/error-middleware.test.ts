import { describe, it, expect, afterEach } from "vitest";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import { errorToProblem } from "@workspace/src/http.ts";
import { NotFoundError, ValidationError, ConflictError, PaymentDeclinedError } from "@workspace/src/errors.ts";
import { createOrderService, type Order } from "@workspace/src/orders.ts";

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

function spyLogger() {
  const calls: { level: "info" | "error"; message: string; fields?: Record<string, unknown> }[] = [];
  return {
    calls,
    logger: {
      info: (message: string, fields?: Record<string, unknown>) => void calls.push({ level: "info", message, ...(fields ? { fields } : {}) }),
      error: (message: string, fields?: Record<string, unknown>) => void calls.push({ level: "error", message, ...(fields ? { fields } : {}) }),
    },
  };
}

/** An app whose routes throw (sync) or reject (async) the given errors, then errorToProblem(logger). */
async function start(logger: ReturnType<typeof spyLogger>["logger"]) {
  const rows = new Map<string, Order>();
  let seq = 0;
  const service = createOrderService({
    repo: { get: async (id) => rows.get(id), save: async (o) => void rows.set(o.id, o) },
    clock: { now: () => new Date("2030-01-01T00:00:00.000Z") },
    ids: { next: () => `ord_${++seq}` },
    payments: { charge: async () => ({ ok: false as const, reason: "card_expired" }) },
    logger,
  });
  const app = express();
  app.use(express.json());
  app.post("/orders", async (req, res) => {
    res.status(201).json(await service.createOrder(req.body));
  });
  app.get("/orders/:id", async (req, res) => {
    res.json(await service.getOrder(req.params.id));
  });
  app.post("/orders/:id/pay", async (req, res) => {
    res.json(await service.payOrder(req.params.id));
  });
  app.get("/conflict", () => {
    throw new ConflictError("Order ord_9 is paid, not pending");
  });
  app.get("/declined", async () => {
    throw new PaymentDeclinedError("insufficient_funds");
  });
  app.get("/not-found", () => {
    throw new NotFoundError("Invoice", "inv_7");
  });
  app.get("/bad", () => {
    throw new ValidationError([{ field: "email", message: "must be an email address" }]);
  });
  app.get("/crash", async () => {
    throw new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2");
  });
  app.get("/string", () => {
    throw "db exploded: secret-table";
  });
  app.use(errorToProblem(logger));
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return async (path: string, init?: RequestInit) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      expect.fail(`${path}: body is not JSON: ${text.slice(0, 200)}`);
    }
    return { res, text, body };
  };
}

function expectProblem(path: string, r: { res: Response; body: Record<string, unknown> }, status: number, code?: string) {
  expect(r.res.status, `${path}: status`).toBe(status);
  expect(r.res.headers.get("content-type") ?? "", `${path}: served as application/problem+json`).toMatch(/^application\/problem\+json\b/);
  expect(typeof r.body.type === "string" && r.body.type.length > 0, `${path}: problem.type is a non-empty string`).toBe(true);
  expect(typeof r.body.title === "string" && r.body.title.length > 0, `${path}: problem.title is a non-empty string`).toBe(true);
  expect(r.body.status, `${path}: problem.status is the number ${status}`).toBe(status);
  if (code !== undefined) expect(r.body.code, `${path}: problem.code is the error's code`).toBe(code);
}

describe("errorToProblem (src/http.ts)", () => {
  it("maps NotFoundError to 404 and ValidationError to 400 with an `errors` list", async () => {
    const { logger } = spyLogger();
    const get = await start(logger);

    const notFound = await get("/not-found");
    expectProblem("/not-found", notFound, 404, "NOT_FOUND");
    expect(notFound.body.detail, "detail is the error message").toBe("Invoice inv_7 not found");

    const bad = await get("/bad");
    expectProblem("/bad", bad, 400, "VALIDATION_FAILED");
    expect(bad.body.errors, "400 problems carry the field issues as `errors`").toEqual([{ field: "email", message: "must be an email address" }]);

    const missingOrder = await get("/orders/ord_404");
    expectProblem("GET /orders/ord_404 (service)", missingOrder, 404, "NOT_FOUND");

    const invalid = await get("/orders", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ customerId: "c", items: [] }) });
    expectProblem("POST /orders with no items (service)", invalid, 400, "VALIDATION_FAILED");
    expect(Array.isArray(invalid.body.errors) && invalid.body.errors.length > 0, "the service's issues reach the client").toBe(true);
  });

  it("maps ConflictError to 409 and PaymentDeclinedError to 402", async () => {
    const { logger } = spyLogger();
    const get = await start(logger);
    const conflict = await get("/conflict");
    expectProblem("/conflict", conflict, 409, "CONFLICT");
    expect(conflict.body.detail).toBe("Order ord_9 is paid, not pending");
    expectProblem("/declined", await get("/declined"), 402, "PAYMENT_DECLINED");

    const created = await get("/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customerId: "c", items: [{ sku: "A", quantity: 1, unitPriceCents: 100 }] }),
    });
    expect(created.res.status, "POST /orders with a valid body").toBe(201);
    const pay = await get(`/orders/${String(created.body.id)}/pay`, { method: "POST" });
    expectProblem("POST /orders/:id/pay with a declining gateway (service)", pay, 402, "PAYMENT_DECLINED");
  });

  it("answers unknown errors (and thrown strings) with a generic 500 that leaks nothing, and logs them", async () => {
    const spy = spyLogger();
    const get = await start(spy.logger);
    const crash = await get("/crash");
    expectProblem("/crash", crash, 500);
    expect(crash.text, "the 500 body must not leak the internal message").not.toMatch(/ECONNREFUSED|hunter2|10\.0\.0\.5/);
    expect(crash.body.code, "unknown errors have no AppError code").toBeUndefined();

    const str = await get("/string");
    expectProblem("/string", str, 500);
    expect(str.text, "the 500 body must not leak a thrown string").not.toContain("secret-table");

    const errors = spy.calls.filter((c) => c.level === "error");
    expect(errors.length, "each unexpected error is reported with logger.error").toBe(2);
    expect(JSON.stringify(errors), "the log (not the client) gets the real message").toContain("hunter2");
  });
});
