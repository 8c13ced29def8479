// Consumer-driven contract tests: what src/inventory-client.ts relies on, checked against the
// provider. Each test goes through our client (the consumer's real code path) and pins the
// parts of the answer the checkout uses: field names and types, pagination, status codes
// and error codes. Nothing else: a provider that adds a field or rewords a message must
// still pass, or these tests would block changes that harm nobody.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startProvider, type RunningProvider } from "../provider/server.ts";
import { createInventoryClient, InsufficientStockError, type InventoryClient } from "../src/inventory-client.ts";

let provider: RunningProvider;
let client: InventoryClient;

// A fresh provider per test: the provider state each test starts from is the seeded stock.
beforeEach(async () => {
  provider = await startProvider();
  client = createInventoryClient({ baseUrl: provider.url, token: provider.token });
});
afterEach(() => provider.close());

/** What the checkout needs of an item: these four fields, with these types. */
function expectItemShape(item: unknown) {
  expect(item).toMatchObject({ sku: expect.any(String), name: expect.any(String) });
  const { available, priceCents } = item as { available: unknown; priceCents: unknown };
  expect(Number.isInteger(available), `available must be an integer, got ${JSON.stringify(available)}`).toBe(true);
  expect(available as number).toBeGreaterThanOrEqual(0);
  expect(Number.isInteger(priceCents), `priceCents must be an integer number of cents, got ${JSON.stringify(priceCents)}`).toBe(true);
}

describe("getItem", () => {
  it("answers an item with sku, name, available and priceCents as integers", async () => {
    const item = await client.getItem("SKU-002");
    expectItemShape(item);
    // Provider state: SKU-002 is seeded with 1 unit at 1128 cents.
    expect(item).toMatchObject({ sku: "SKU-002", available: 1, priceCents: 1128 });
  });

  it("answers null for an unknown sku", async () => {
    expect(await client.getItem("SKU-999")).toBeNull();
  });
});

describe("listItems", () => {
  it("follows the cursor to every item, each exactly once", async () => {
    const items = await client.listItems();
    // 45 items are seeded: more than one page, so this only passes if the cursor is followed.
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expectItemShape(item);
  });
});

describe("reserve", () => {
  it("answers the reservation and takes the units out of stock", async () => {
    const before = (await client.getItem("SKU-003"))!.available;
    const r = await client.reserve("SKU-003", 2, randomUUID());
    expect(r).toMatchObject({ id: expect.any(String), sku: "SKU-003", quantity: 2 });
    expect(Number.isNaN(r.expiresAt.getTime()), "expiresAt must be a date").toBe(false);
    expect(r.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect((await client.getItem("SKU-003"))!.available).toBe(before - 2);
  });

  it("a retry with the same idempotency key answers the same reservation and holds the stock once", async () => {
    const key = randomUUID();
    const before = (await client.getItem("SKU-004"))!.available;
    const first = await client.reserve("SKU-004", 1, key);
    const retry = await client.reserve("SKU-004", 1, key);
    expect(retry.id).toBe(first.id);
    expect((await client.getItem("SKU-004"))!.available).toBe(before - 1);
  });

  it("asking for more than is available throws InsufficientStockError with what is left", async () => {
    const available = (await client.getItem("SKU-005"))!.available;
    const err = await client.reserve("SKU-005", available + 1, randomUUID()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStockError);
    expect((err as InsufficientStockError).available).toBe(available);
  });
});

describe("release", () => {
  it("gives the units back, and releasing twice is not an error", async () => {
    const before = (await client.getItem("SKU-006"))!.available;
    const r = await client.reserve("SKU-006", 1, randomUUID());
    await client.release(r.id);
    expect((await client.getItem("SKU-006"))!.available).toBe(before);
    await expect(client.release(r.id)).resolves.toBeUndefined();
  });
});
