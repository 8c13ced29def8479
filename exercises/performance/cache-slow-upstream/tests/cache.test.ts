// Hidden tests for "cache-slow-upstream". The service runs with CACHE_TTL_MS=3500 and
// CACHE_MAX_ENTRIES=3 (exercise.yaml). Every test uses products of its own and counts the calls
// to the pricing service with GET /__stats before and after, so the tests only depend on each
// other through the LRU (each test fills it with its own products first) and product 13.
import { describe, expect, it } from "vitest";
import { callsDuring, get, invalidate, MAX_ENTRIES, maxAge, priceCents, seen, sleep, TTL_MS, upstreamCalls, type Answer } from "./support.ts";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function expectProduct(a: Answer, id: number, what: string) {
  expect(a.status, `${what}: ${seen(a)}`).toBe(200);
  expect(a.body, `${what}: the product as {id, name, price: {cents, currency, as_of}}`).toMatchObject({ id, name: `Product ${id}`, price: { cents: priceCents(id), currency: "EUR" } });
  expect(a.body.price.as_of, `${what}: price.as_of is the pricing service's ISO timestamp`).toMatch(ISO);
}

describe("the API", () => {
  it("GET /products/:id answers the product and its price; 400 for a bad id, 404 for an unknown one; invalidate answers 204", async () => {
    let first: Answer | undefined;
    const calls = await callsDuring(async () => {
      first = await get("/products/7");
    });
    expectProduct(first!, 7, "GET /products/7");
    expect(calls, "GET /products/7 (never requested before) calls the pricing service once").toBe(1);
    expect(first!.ms, "a request the cache cannot answer waits for the pricing service (100 ms): keep src/upstream.ts as it is").toBeGreaterThanOrEqual(90);
    expectProduct(await get("/products/1000"), 1000, "GET /products/1000");

    const refused = await callsDuring(async () => {
      for (const bad of ["abc", "07", "-1", "0", "1.5"]) {
        const a = await get(`/products/${bad}`);
        expect(a.status, `GET /products/${bad}: ${seen(a)}`).toBe(400);
      }
      const a = await get("/products/1001");
      expect(a.status, `GET /products/1001 (there are products 1 to 1000): ${seen(a)}`).toBe(404);
    });
    expect(refused, "a bad or unknown id must not call the pricing service").toBe(0);

    for (const id of [7, 8]) {
      const a = await invalidate(id);
      expect(a.status, `POST /products/${id}/invalidate (cached or not): ${seen(a)}`).toBe(204);
    }
    const bad = await invalidate("x");
    expect(bad.status, `POST /products/x/invalidate: ${seen(bad)}`).toBe(400);
  });
});

describe("the cache", () => {
  it("a repeat request within the TTL is answered from the cache: no call to the pricing service, the same price", async () => {
    const first = await get("/products/101");
    expectProduct(first, 101, "GET /products/101");
    const calls = await callsDuring(async () => {
      for (let i = 0; i < 5; i++) {
        const again = await get("/products/101");
        expectProduct(again, 101, `GET /products/101 again (#${i + 1})`);
        expect(again.body.price.as_of, "a cached answer carries the cached price (same as_of)").toBe(first.body.price.as_of);
      }
    });
    expect(calls, `5 more GET /products/101 right after the first (TTL ${TTL_MS} ms): calls to the pricing service`).toBe(0);
  });

  it(`after CACHE_TTL_MS (${TTL_MS} ms) the price is fetched again, once for 20 concurrent requests`, async () => {
    const first = await get("/products/102");
    expectProduct(first, 102, "GET /products/102");
    await sleep(TTL_MS + 200);
    let answers: Answer[] = [];
    const calls = await callsDuring(async () => {
      answers = await Promise.all(Array.from({ length: 20 }, () => get("/products/102")));
    });
    answers.forEach((a, i) => expectProduct(a, 102, `concurrent GET /products/102 #${i + 1} after the TTL`));
    for (const a of answers) expect(a.body.price.as_of, "an expired price must not be served: after the TTL every answer carries a newly fetched price").not.toBe(first.body.price.as_of);
    expect(new Set(answers.map((a) => a.body.price.as_of)).size, "the 20 concurrent requests should share one fetch (one as_of)").toBe(1);
    expect(calls, "20 concurrent GET /products/102 once its price expired: calls to the pricing service").toBe(1);
  }, 10_000);

  it("50 concurrent requests for a product not in the cache make exactly one call (single-flight)", async () => {
    let answers: Answer[] = [];
    const calls = await callsDuring(async () => {
      answers = await Promise.all(Array.from({ length: 50 }, () => get("/products/103")));
    });
    answers.forEach((a, i) => expectProduct(a, 103, `concurrent GET /products/103 #${i + 1}`));
    expect(new Set(answers.map((a) => a.body.price.as_of)).size, "all 50 answers come from the same fetch (one as_of)").toBe(1);
    expect(calls, "50 concurrent GET /products/103 (cold): calls to the pricing service").toBe(1);
  });

  it("misses for different products do not wait for each other", async () => {
    const ids = [111, 112, 113, 114, 115];
    const started = performance.now();
    let answers: Answer[] = [];
    const calls = await callsDuring(async () => {
      answers = await Promise.all(ids.map((id) => get(`/products/${id}`)));
    });
    const took = performance.now() - started;
    answers.forEach((a, i) => expectProduct(a, ids[i]!, `GET /products/${ids[i]}`));
    expect(calls, "5 concurrent requests for 5 different cold products: one call each").toBe(5);
    expect(took, "5 concurrent misses for different products should take about 100 ms, not 5 × 100 ms: don't hold a global lock while fetching").toBeLessThan(450);
  });

  it("a failed call to the pricing service is not cached: the next request tries again", async () => {
    // Product 13 fails on every other call to the pricing service, starting with the first.
    let failed: Answer | undefined;
    const calls1 = await callsDuring(async () => {
      failed = await get("/products/13");
    });
    expect(failed!.status, `GET /products/13 when the pricing service fails: ${seen(failed!)}`).toBe(502);
    expect(calls1, "GET /products/13: calls to the pricing service").toBe(1);
    let retried: Answer | undefined;
    const calls2 = await callsDuring(async () => {
      retried = await get("/products/13");
    });
    expect(calls2, "GET /products/13 right after the failure must call the pricing service again (errors are not cached)").toBe(1);
    expectProduct(retried!, 13, "GET /products/13 once the pricing service answers");
  });

  it("POST /products/:id/invalidate evicts the product: the next request fetches it again", async () => {
    const first = await get("/products/121");
    expectProduct(first, 121, "GET /products/121");
    expect(await callsDuring(() => get("/products/121")), "precondition: a second GET /products/121 right away is a cache hit").toBe(0);
    const inv = await invalidate(121);
    expect(inv.status, `POST /products/121/invalidate: ${seen(inv)}`).toBe(204);
    let after: Answer | undefined;
    const calls = await callsDuring(async () => {
      after = await get("/products/121");
    });
    expect(calls, "GET /products/121 after the invalidate: calls to the pricing service").toBe(1);
    expectProduct(after!, 121, "GET /products/121 after the invalidate");
    expect(after!.body.price.as_of, "after an invalidate the price is a new one").not.toBe(first.body.price.as_of);
  });

  it("an invalidate while a fetch is in progress: that fetch's result is not kept", async () => {
    const before = await upstreamCalls();
    const inFlight = get("/products/131");
    await sleep(40);
    const inv = await invalidate(131);
    expect(inv.status, `POST /products/131/invalidate while its price is being fetched: ${seen(inv)}`).toBe(204);
    expectProduct(await inFlight, 131, "the GET /products/131 that was in flight");
    const next = await get("/products/131");
    expectProduct(next, 131, "GET /products/131 after it");
    expect((await upstreamCalls()) - before, "the price fetched before the invalidate may be out of date: it must not be cached, so the GET after it fetches again (2 calls in all)").toBe(2);
  });

  it(`the cache holds at most CACHE_MAX_ENTRIES (${MAX_ENTRIES}) products and evicts the least recently used`, async () => {
    const step = async (id: number, expected: number, why: string) => {
      let a: Answer | undefined;
      const calls = await callsDuring(async () => {
        a = await get(`/products/${id}`);
      });
      expectProduct(a!, id, `GET /products/${id}`);
      expect(calls, `GET /products/${id}: ${why}`).toBe(expected);
    };
    await step(141, 1, "a miss");
    await step(142, 1, "a miss");
    await step(143, 1, "a miss");
    await step(141, 0, "cached (141, 142, 143 fill the cache)");
    await step(144, 1, "a miss; the cache is full, so the least recently used product (142) goes");
    await step(141, 0, "still cached: it was used more recently than 142");
    await step(143, 0, "still cached");
    await step(144, 0, "cached");
    await step(142, 1, "evicted when 144 came in, so a miss");
  });

  it("Cache-Control: max-age = whole seconds of freshness left; errors are no-store", async () => {
    const miss = await get("/products/151");
    expectProduct(miss, 151, "GET /products/151");
    expect(maxAge(miss.headers), `GET /products/151 just fetched with a TTL of ${TTL_MS} ms: Cache-Control ${JSON.stringify(miss.headers.get("cache-control"))} should be max-age=3`).toBe(3);
    await sleep(700);
    let hit: Answer | undefined;
    const calls = await callsDuring(async () => {
      hit = await get("/products/151");
    });
    expect(calls, "precondition: GET /products/151 700 ms later is a cache hit").toBe(0);
    expect(maxAge(hit!.headers), `the same price 700 ms later has about 2.8 s of freshness left: Cache-Control ${JSON.stringify(hit!.headers.get("cache-control"))} should be max-age=2`).toBe(2);

    for (const path of ["/products/abc", "/products/1001"]) {
      const a = await get(path);
      expect(a.headers.get("cache-control") ?? "", `GET ${path} (${a.status}): Cache-Control`).toMatch(/no-store/);
    }
    // Product 13 fails on every other call: evict it and ask until the pricing service fails.
    let failed: Answer | undefined;
    for (let i = 0; i < 3 && failed?.status !== 502; i++) {
      await invalidate(13);
      failed = await get("/products/13");
    }
    expect(failed!.status, `GET /products/13 when the pricing service fails: ${seen(failed!)}`).toBe(502);
    expect(failed!.headers.get("cache-control") ?? "", "GET /products/13 answered 502: Cache-Control").toMatch(/no-store/);
  });
});
