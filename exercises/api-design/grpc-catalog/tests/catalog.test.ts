// Hidden tests for "A gRPC service done right": a gRPC client against the learner's server.
import { describe, expect, it } from "vitest";
import { auth, catalog, codeName, getItem, grpc, health, READER, show, sleep, STORE_LATENCY_MS, stream, unary, WRITER, type Item } from "./support.ts";

const S = grpc.status;
const expectCode = (o: { ok: boolean; code?: number }, code: number, what: string) =>
  expect(o.ok ? "OK" : codeName(o.code!), `${what} -> ${show(o as any)}`).toBe(codeName(code));

describe("unary calls and status codes", () => {
  it("GetItem returns a known item, NOT_FOUND for an unknown id and INVALID_ARGUMENT for an empty one", async () => {
    const found = await unary<Item>(catalog, "GetItem", { id: "item-002" });
    expect(found.ok && found.value, `GetItem item-002 -> ${show(found)}`).toMatchObject({ id: "item-002", category: "tea" });
    expectCode(await unary(catalog, "GetItem", { id: "item-999" }), S.NOT_FOUND, "GetItem item-999");
    expectCode(await unary(catalog, "GetItem", { id: "" }), S.INVALID_ARGUMENT, 'GetItem ""');
  });

  it("ReserveItem answers INVALID_ARGUMENT for a quantity below 1, NOT_FOUND for an unknown item and FAILED_PRECONDITION when the stock is too low, changing nothing", async () => {
    const before = await getItem("item-005");
    expectCode(await unary(catalog, "ReserveItem", { id: "item-005", quantity: 0 }, auth(WRITER)), S.INVALID_ARGUMENT, "ReserveItem quantity 0");
    expectCode(await unary(catalog, "ReserveItem", { id: "item-005", quantity: -3 }, auth(WRITER)), S.INVALID_ARGUMENT, "ReserveItem quantity -3");
    expectCode(await unary(catalog, "ReserveItem", { id: "item-404", quantity: 1 }, auth(WRITER)), S.NOT_FOUND, "ReserveItem item-404");
    expectCode(await unary(catalog, "ReserveItem", { id: "item-005", quantity: before.stock + 1 }, auth(WRITER)), S.FAILED_PRECONDITION, `ReserveItem ${before.stock + 1} of ${before.stock}`);
    expect((await getItem("item-005")).stock, "refused reservations must not change the stock").toBe(before.stock);
  });
});

describe("metadata auth", () => {
  it("a call without authorization metadata, or with an unknown token, fails with UNAUTHENTICATED (unary and streaming)", async () => {
    expectCode(await unary(catalog, "GetItem", { id: "item-001" }, auth()), S.UNAUTHENTICATED, "GetItem without authorization");
    expectCode(await unary(catalog, "GetItem", { id: "item-001" }, auth("not-a-token")), S.UNAUTHENTICATED, "GetItem with an unknown token");
    const md = new grpc.Metadata();
    md.set("authorization", READER); // no "Bearer " scheme
    expectCode(await unary(catalog, "GetItem", { id: "item-001" }, md), S.UNAUTHENTICATED, "GetItem with a token but no Bearer scheme");
    const listed = await stream(catalog, "ListItems", { category: "" }, auth());
    expect(codeName(listed.code), `ListItems without authorization -> ${codeName(listed.code)} "${listed.details}"`).toBe("UNAUTHENTICATED");
    expect(listed.messages, "an unauthenticated stream must not send any item").toEqual([]);
  });

  it("a reader token may read, but ReserveItem with it fails with PERMISSION_DENIED and changes nothing", async () => {
    const before = await getItem("item-003");
    expectCode(await unary(catalog, "ReserveItem", { id: "item-003", quantity: 1 }, auth(READER)), S.PERMISSION_DENIED, "ReserveItem with the reader token");
    expect((await getItem("item-003")).stock).toBe(before.stock);
  });
});

describe("server streaming", () => {
  it("ListItems streams a category's items in ascending id order, one message each, and ends with OK", async () => {
    const r = await stream<Item>(catalog, "ListItems", { category: "coffee" });
    expect(codeName(r.code), `ListItems coffee ended with ${codeName(r.code)} "${r.details}"`).toBe("OK");
    expect(r.messages.map((i) => i.id)).toEqual(["item-001", "item-004", "item-007", "item-009", "item-011"]);
    const all = await stream<Item>(catalog, "ListItems", { category: "" });
    expect(all.messages.length, "an empty category lists every item").toBe(12);
  });

  it("ListItems honours limit and answers INVALID_ARGUMENT for a limit above 100 or below 0", async () => {
    const r = await stream<Item>(catalog, "ListItems", { category: "kit", limit: 2 });
    expect(r.messages.map((i) => i.id), `ListItems kit limit 2 (${codeName(r.code)})`).toEqual(["item-003", "item-005"]);
    for (const limit of [101, -1]) {
      const bad = await stream<Item>(catalog, "ListItems", { category: "kit", limit });
      expect(codeName(bad.code), `ListItems limit ${limit} -> ${codeName(bad.code)} "${bad.details}"`).toBe("INVALID_ARGUMENT");
      expect(bad.messages, `ListItems limit ${limit} must send no item`).toEqual([]);
    }
  });
});

describe("deadlines", () => {
  it("ReserveItem with time to spare reserves and returns the new stock", async () => {
    const before = await getItem("item-011");
    const r = await unary<Item>(catalog, "ReserveItem", { id: "item-011", quantity: 2 }, auth(WRITER), { deadlineMs: STORE_LATENCY_MS + 2000 });
    expect(r.ok && r.value.stock, `ReserveItem 2 of item-011 -> ${show(r)}`).toBe(before.stock - 2);
    expect((await getItem("item-011")).stock).toBe(before.stock - 2);
  });

  it("ReserveItem whose deadline is shorter than the store's commit time fails at once with DEADLINE_EXCEEDED and changes nothing", async () => {
    const before = await getItem("item-009");
    const deadlineMs = STORE_LATENCY_MS - 150;
    const r = await unary(catalog, "ReserveItem", { id: "item-009", quantity: 1 }, auth(WRITER), { deadlineMs });
    expectCode(r, S.DEADLINE_EXCEEDED, `ReserveItem with a ${deadlineMs} ms deadline`);
    // The server's own answer comes well before the deadline and with its own message; a
    // timer's (the client's or grpc-js's on the server) says "Deadline exceeded…" at the deadline.
    const timerFired = !r.ok && /^deadline exceeded/i.test(r.details) && r.ms >= deadlineMs - 150;
    expect(timerFired, `the server must refuse at once (${Math.round(r.ms)} ms, "${!r.ok && r.details}"): the deadline fired, so the server started the commit`).toBe(false);
    await sleep(STORE_LATENCY_MS);
    expect((await getItem("item-009")).stock, "the refused reservation must not be committed later").toBe(before.stock);
  });

  it("a ReserveItem its client cancels commits nothing", async () => {
    const before = await getItem("item-007");
    const r = await unary(catalog, "ReserveItem", { id: "item-007", quantity: 1 }, auth(WRITER), { deadlineMs: 5000, cancelAfterMs: 100 });
    expectCode(r, S.CANCELLED, "ReserveItem cancelled after 100 ms");
    await sleep(STORE_LATENCY_MS + 150);
    expect((await getItem("item-007")).stock, "a cancelled call must abort the commit, not finish it for nobody").toBe(before.stock);
  });
});

describe("health checking (grpc.health.v1)", () => {
  it("Check answers SERVING for the server ('') and for catalog.v1.Catalog without credentials, and NOT_FOUND for an unknown service", async () => {
    for (const service of ["", "catalog.v1.Catalog"]) {
      const r = await unary<{ status: string }>(health, "Check", { service }, auth());
      expect(r.ok && r.value.status, `Health.Check "${service}" -> ${show(r)}`).toBe("SERVING");
    }
    expectCode(await unary(health, "Check", { service: "catalog.v9.Nope" }, auth()), S.NOT_FOUND, 'Health.Check "catalog.v9.Nope"');
  });
});
