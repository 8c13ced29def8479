// Hidden tests for "transactional-outbox". The service delivers to DOWNSTREAM_URL =
// http://127.0.0.1:4100/events (exercise.yaml), where these tests run a stand-in for the
// shipping service (support.ts) that records every delivery and can fail or be slow. The
// grader's control channel (/grader/control.mjs) kills and restarts the service.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderIds, place, Receiver, service, sleep, until } from "./support.ts";

const receiver = new Receiver();
const LONG = 60_000;

beforeAll(async () => {
  await receiver.listen();
});
afterAll(async () => {
  await receiver.close();
});

function describeDeliveries(orderId: number): string {
  const ds = receiver.forOrder(orderId);
  return ds.length ? ds.map((d) => `key=${d.key ?? "(none)"} ${d.accepted ? "accepted" : "rejected"}`).join("; ") : "no delivery";
}

describe("placing orders", () => {
  it("when nothing fails, each order's event arrives exactly once, with an Idempotency-Key", async () => {
    receiver.mode = { fail: false, delayMs: 0 };
    const ids: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const r = await place(`book-${i}`, i);
      expect(r.status, `POST /orders {"item":"book-${i}","quantity":${i}}: ${JSON.stringify(r.body)}`).toBe(201);
      expect(r.body).toMatchObject({ item: `book-${i}`, quantity: i });
      ids.push(r.body.id);
    }
    const bad = await place("", 0);
    expect(bad.status, "POST /orders with an empty item and quantity 0").toBe(400);
    expect(await until(() => ids.every((id) => receiver.accepted(id).length > 0), 6000), `events for orders ${ids.join(", ")}: ${ids.map(describeDeliveries).join(" | ")}`).toBe(true);
    await sleep(700); // anything sent again would show up by now
    for (const [i, id] of ids.entries()) {
      const ds = receiver.forOrder(id);
      expect(ds.length, `deliveries for order ${id}: ${describeDeliveries(id)}`).toBe(1);
      expect(ds[0]!.key, `the Idempotency-Key header of order ${id}'s event`).toMatch(/\S{8,}/);
      expect(ds[0]!.body).toMatchObject({ type: "order.placed", orderId: id, item: `book-${i + 1}`, quantity: i + 1 });
    }
    expect(receiver.deliveries.filter((d) => d.body?.item === ""), "an invalid order publishes nothing").toEqual([]);
  }, LONG);

  it("placing an order does not wait for the shipping service", async () => {
    receiver.mode = { fail: false, delayMs: 1500 };
    const r = await place("slow-shipping", 1, 10_000);
    expect(r.status).toBe(201);
    expect(r.ms, "ms for POST /orders while the shipping service takes 1.5 s per event").toBeLessThan(800);
    expect(await until(() => receiver.accepted(r.body.id).length > 0, 6000), `event for order ${r.body.id}: ${describeDeliveries(r.body.id)}`).toBe(true);
    receiver.mode = { fail: false, delayMs: 0 };
    await sleep(1600); // let the held delivery finish
  }, LONG);

  it("during an outage, events are retried with the same Idempotency-Key until the shipping service recovers", async () => {
    receiver.mode = { fail: true, delayMs: 0 };
    const ids: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await place(`outage-${i}`, i);
      expect(r.status, `POST /orders during the outage: ${JSON.stringify(r.body)}`).toBe(201);
      ids.push(r.body.id);
    }
    await sleep(1500);
    expect(ids.some((id) => receiver.forOrder(id).length > 0), "no delivery was even tried during the 1.5 s outage").toBe(true);
    receiver.mode = { fail: false, delayMs: 0 };
    expect(await until(() => ids.every((id) => receiver.accepted(id).length > 0), 8000), `after the outage: ${ids.map((id) => `order ${id}: ${describeDeliveries(id)}`).join(" | ")}`).toBe(true);
    for (const id of ids) {
      const keys = new Set(receiver.forOrder(id).map((d) => d.key));
      expect(keys.size, `Idempotency-Keys of order ${id}'s attempts: ${describeDeliveries(id)}`).toBe(1);
      expect([...keys][0]).toMatch(/\S{8,}/);
    }
  }, LONG);
});

describe("SIGKILL while events are in flight, then a restart", () => {
  const placed: number[] = [];
  let committed: number[] = [];

  beforeAll(async () => {
    // Slow deliveries: the relay is in the middle of one when the process dies.
    receiver.mode = { fail: false, delayMs: 700 };
    for (let i = 1; i <= 6; i++) {
      const r = await place(`crash-${i}`, i, 8000).catch(() => null);
      if (r?.status === 201) placed.push(r.body.id);
    }
    // Two more in flight at the kill: whether they commit is up to chance, not to the service.
    const racing = [place("crash-racing-1", 1, 8000), place("crash-racing-2", 2, 8000)].map((p) => p.catch(() => null));
    await sleep(250);
    await service.kill();
    for (const r of await Promise.all(racing)) if (r?.status === 201) placed.push(r.body.id);
    receiver.mode = { fail: false, delayMs: 0 };
    await service.restart();
    committed = await orderIds();
    await until(() => committed.every((id) => receiver.accepted(id).length > 0), 10_000);
  }, LONG);

  it("every order answered 201 is still there after the restart, and its event is delivered", () => {
    expect(placed.length, "orders placed before the kill").toBeGreaterThan(0);
    for (const id of placed) expect(committed, `order ${id} (answered 201) after the restart`).toContain(id);
    for (const id of committed) expect(receiver.accepted(id).length, `order ${id}: ${describeDeliveries(id)}`).toBeGreaterThan(0);
  });

  it("deliveries repeated after the restart carry the same Idempotency-Key", () => {
    for (const id of committed) {
      const keys = new Set(receiver.forOrder(id).map((d) => d.key));
      expect(keys.size, `order ${id}: ${describeDeliveries(id)}`).toBe(1);
    }
  });

  it("no event names an order that was never committed", () => {
    const phantom = receiver.deliveries.filter((d) => !committed.includes(d.body?.orderId));
    expect(phantom.map((d) => `order ${d.body?.orderId} (${d.body?.item})`), "events for orders that do not exist after the restart").toEqual([]);
  });
});
