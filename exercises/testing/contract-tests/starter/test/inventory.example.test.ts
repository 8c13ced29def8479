import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startProvider, type RunningProvider } from "../provider/server.ts";
import { createInventoryClient, type InventoryClient } from "../src/inventory-client.ts";

let provider: RunningProvider;
let client: InventoryClient;

// A fresh provider (seeded stock, free port) for every test, and our client pointed at it.
beforeEach(async () => {
  provider = await startProvider();
  client = createInventoryClient({ baseUrl: provider.url, token: provider.token });
});
afterEach(() => provider.close());

// An example to start from. It passes against today's provider, but it would not notice
// any of the changes the provider team might ship next. Add your contract tests (in this
// file or in new *.test.ts files in test/) until every part of the provider's answers that
// src/inventory-client.ts relies on is pinned down - and nothing more.
describe("getItem (example - add your own)", () => {
  it("finds an item by sku", async () => {
    const item = await client.getItem("SKU-002");
    expect(item?.sku).toBe("SKU-002");
  });
});
