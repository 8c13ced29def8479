import { describe, it, expect, vi, afterEach } from "vitest";
import { createOrderService, type Order } from "@workspace/src/orders.ts";
import { AppError, NotFoundError, ValidationError, ConflictError, PaymentDeclinedError } from "@workspace/src/errors.ts";

/** Fakes for every collaborator: nothing here touches a global. */
function fakes(options: { start?: string; prefix?: string; decline?: string } = {}) {
  let now = new Date(options.start ?? "2030-01-02T03:04:05.000Z").getTime();
  let seq = 0;
  const rows = new Map<string, Order>();
  const charges: { orderId: string; customerId: string; amountCents: number }[] = [];
  const logs: { level: "info" | "error"; message: string; fields?: Record<string, unknown> }[] = [];
  const saves: Order[] = [];
  const deps = {
    repo: {
      async get(id: string) {
        const row = rows.get(id);
        return row ? structuredClone(row) : undefined;
      },
      async save(order: Order) {
        saves.push(structuredClone(order));
        rows.set(order.id, structuredClone(order));
      },
    },
    clock: { now: () => new Date(now) },
    ids: { next: () => `${options.prefix ?? "ord_"}${++seq}` },
    payments: {
      async charge(request: { orderId: string; customerId: string; amountCents: number }) {
        charges.push({ ...request });
        return options.decline ? { ok: false as const, reason: options.decline } : { ok: true as const, chargeId: `ch_${charges.length}` };
      },
    },
    logger: {
      info: (message: string, fields?: Record<string, unknown>) => void logs.push({ level: "info", message, ...(fields ? { fields } : {}) }),
      error: (message: string, fields?: Record<string, unknown>) => void logs.push({ level: "error", message, ...(fields ? { fields } : {}) }),
    },
  };
  return { deps, rows, charges, logs, saves, advance: (ms: number) => void (now += ms) };
}

const cart = {
  customerId: "cus_1",
  items: [
    { sku: "BOOK", quantity: 2, unitPriceCents: 1250 },
    { sku: "PEN", quantity: 3, unitPriceCents: 199 },
  ],
};

/** Awaits a promise that must reject and returns the rejection. */
async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return expect.fail(`${what} should have rejected`);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createOrderService (src/orders.ts)", () => {
  it("createOrder computes the total, starts pending, and getOrder returns the same order", async () => {
    const f = fakes();
    const service = createOrderService(f.deps);
    const order = await service.createOrder(cart);
    expect(order.totalCents, "2 × 1250 + 3 × 199").toBe(3097);
    expect(order.status).toBe("pending");
    expect(order.customerId).toBe("cus_1");
    expect(order.items).toEqual(cart.items);
    expect(await service.getOrder(order.id), "getOrder returns what createOrder returned").toEqual(order);
  });

  it("takes ids from `ids`, timestamps from `clock`, stores through `repo` and logs through `logger`", async () => {
    const f = fakes({ start: "2030-01-02T03:04:05.000Z" });
    const service = createOrderService(f.deps);
    const first = await service.createOrder(cart);
    f.advance(60_000);
    const second = await service.createOrder({ ...cart, customerId: "cus_2" });
    expect([first.id, second.id], "ids come from ids.next(), in order").toEqual(["ord_1", "ord_2"]);
    expect(first.createdAt, "createdAt is clock.now().toISOString()").toBe("2030-01-02T03:04:05.000Z");
    expect(first.updatedAt, "a new order's updatedAt equals its createdAt").toBe("2030-01-02T03:04:05.000Z");
    expect(second.createdAt, "the fake clock moved 60 s").toBe("2030-01-02T03:05:05.000Z");
    expect(f.rows.get("ord_1"), "the order must be saved with repo.save()").toEqual(first);
    expect(f.rows.get("ord_2")).toEqual(second);
    const created = f.logs.filter((l) => l.level === "info" && l.message === "order.created");
    expect(created.map((l) => l.fields?.orderId), "logger.info('order.created', { orderId }) once per order").toEqual(["ord_1", "ord_2"]);
  });

  it("keeps no module-level state: two services with different fakes do not see each other's orders", async () => {
    const a = fakes({ prefix: "a_" });
    const b = fakes({ prefix: "b_" });
    const serviceA = createOrderService(a.deps);
    const serviceB = createOrderService(b.deps);
    const order = await serviceA.createOrder(cart);
    expect(order.id).toBe("a_1");
    expect(b.rows.size, "service B's repo must stay empty").toBe(0);
    const err = await rejection(serviceB.getOrder(order.id), "service B getOrder(an order of service A)");
    expect(err, "service B must not find service A's order").toBeInstanceOf(NotFoundError);
    expect((await serviceB.createOrder(cart)).id, "service B uses its own id generator").toBe("b_1");
    expect(a.logs.filter((l) => l.message === "order.created"), "each service logs to its own logger").toHaveLength(1);
  });

  it("rejects invalid input with a ValidationError listing every field issue, and saves nothing", async () => {
    const f = fakes();
    const service = createOrderService(f.deps);
    const err = await rejection(
      service.createOrder({
        customerId: "",
        items: [
          { sku: "BOOK", quantity: 0, unitPriceCents: 1250 },
          { sku: "PEN", quantity: 1, unitPriceCents: -5 },
        ],
      }),
      "createOrder(invalid input)",
    );
    expect(typeof err, "a typed error must be thrown, not a string").toBe("object");
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toBeInstanceOf(AppError);
    const v = err as ValidationError;
    expect(v.code).toBe("VALIDATION_FAILED");
    expect(v.issues.map((i) => i.field).sort(), "one issue per bad field, named like items[0].quantity").toEqual(
      ["customerId", "items[0].quantity", "items[1].unitPriceCents"].sort(),
    );
    for (const issue of v.issues) expect(issue.message, `issue ${issue.field} has a message`).toMatch(/\S/);

    const empty = await rejection(service.createOrder({ customerId: "cus_1", items: [] }), "createOrder with no items");
    expect(empty).toBeInstanceOf(ValidationError);
    expect((empty as ValidationError).issues.map((i) => i.field)).toContain("items");
    expect(f.rows.size, "invalid orders must not be saved").toBe(0);
  });

  it("getOrder of an unknown id rejects with NotFoundError (code NOT_FOUND)", async () => {
    const service = createOrderService(fakes().deps);
    const err = await rejection(service.getOrder("nope"), "getOrder('nope')");
    expect(typeof err, "a typed error must be thrown, not a string").toBe("object");
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe("NOT_FOUND");
    expect((err as NotFoundError).id).toBe("nope");
  });

  it("payOrder charges the total through `payments`, marks the order paid and updates updatedAt from the clock", async () => {
    const f = fakes({ start: "2030-06-01T00:00:00.000Z" });
    const service = createOrderService(f.deps);
    const order = await service.createOrder(cart);
    f.advance(5_000);
    const paid = await service.payOrder(order.id);
    expect(f.charges, "one charge of the order total").toEqual([{ orderId: order.id, customerId: "cus_1", amountCents: 3097 }]);
    expect(paid.status).toBe("paid");
    expect(paid.chargeId, "chargeId comes from the gateway").toBe("ch_1");
    expect(paid.createdAt).toBe("2030-06-01T00:00:00.000Z");
    expect(paid.updatedAt, "updatedAt is the clock's time of payment").toBe("2030-06-01T00:00:05.000Z");
    expect(f.rows.get(order.id)?.status, "the paid order is saved").toBe("paid");

    const again = await rejection(service.payOrder(order.id), "paying a paid order");
    expect(again, "paying twice is a conflict").toBeInstanceOf(ConflictError);
    expect((again as ConflictError).code).toBe("CONFLICT");
    expect(f.charges, "a conflicting payOrder must not charge again").toHaveLength(1);
    expect(await rejection(service.cancelOrder(order.id), "cancelling a paid order"), "a paid order cannot be cancelled").toBeInstanceOf(ConflictError);
    expect(await rejection(service.payOrder("missing"), "paying a missing order")).toBeInstanceOf(NotFoundError);
  });

  it("a declined payment rejects with PaymentDeclinedError and leaves the order pending; a cancelled order cannot be paid", async () => {
    const f = fakes({ decline: "insufficient_funds" });
    const service = createOrderService(f.deps);
    const order = await service.createOrder(cart);
    const err = await rejection(service.payOrder(order.id), "payOrder with a declining gateway");
    expect(err).toBeInstanceOf(PaymentDeclinedError);
    expect(err).toBeInstanceOf(AppError);
    expect((err as PaymentDeclinedError).code).toBe("PAYMENT_DECLINED");
    expect((err as PaymentDeclinedError).reason, "the gateway's reason is kept").toBe("insufficient_funds");
    expect((await service.getOrder(order.id)).status, "a declined order stays pending").toBe("pending");

    const cancelled = await service.cancelOrder(order.id);
    expect(cancelled.status).toBe("cancelled");
    const conflict = await rejection(service.payOrder(order.id), "paying a cancelled order");
    expect(conflict, "a cancelled order cannot be paid").toBeInstanceOf(ConflictError);
    expect(f.charges, "no charge is attempted for a cancelled order").toHaveLength(1);
  });

  it("uses no globals: no Date.now, Math.random, crypto.randomUUID or console while working with fakes", async () => {
    const f = fakes();
    const spies = {
      "Date.now": vi.spyOn(Date, "now"),
      "Math.random": vi.spyOn(Math, "random"),
      "crypto.randomUUID": vi.spyOn(globalThis.crypto, "randomUUID"),
      "console.log": vi.spyOn(console, "log").mockImplementation(() => {}),
      "console.info": vi.spyOn(console, "info").mockImplementation(() => {}),
      "console.error": vi.spyOn(console, "error").mockImplementation(() => {}),
    };
    const service = createOrderService(f.deps);
    const order = await service.createOrder(cart);
    await service.payOrder(order.id);
    await service.getOrder(order.id);
    const second = await service.createOrder(cart);
    await service.cancelOrder(second.id);
    const used = Object.entries(spies)
      .filter(([, spy]) => spy.mock.calls.length > 0)
      .map(([name]) => name);
    vi.restoreAllMocks();
    expect(used, "the service must get time, ids and logging from its collaborators only").toEqual([]);
  });
});
