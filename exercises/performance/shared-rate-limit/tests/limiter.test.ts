import { describe, expect, it } from "vitest";
import { burst, FIRST, freshKey, hit, LIMIT, ok, redis, SECOND, until, WINDOW_MS } from "./support.ts";

describe("one instance", () => {
  it("allows 10 requests per key per window and answers the 11th with 429 and Retry-After", async () => {
    const key = freshKey("basic");
    const statuses = await burst([FIRST], key, LIMIT);
    expect(statuses, "the first 10 requests of a key").toEqual(Array(LIMIT).fill(200));
    const refused = await hit(FIRST, key);
    expect(refused.status, "the 11th request within the window").toBe(429);
    const retry = refused.headers.get("retry-after");
    expect(retry, "a 429 says when to come back: Retry-After in whole seconds, rounded up").toBe(String(WINDOW_MS / 1000));
    expect((await hit(FIRST, freshKey("other"))).status, "another key has its own limit").toBe(200);
  }, 20_000);
});

describe("two instances, one Redis", () => {
  it("count one key across both instances: 10 in total, not 10 each", async () => {
    const statuses = await burst([FIRST, SECOND], freshKey("shared"), 2 * LIMIT);
    expect(ok(statuses), `statuses of 20 requests alternating between the instances: ${statuses.join(" ")}`).toBe(LIMIT);
  }, 20_000);

  it("allow exactly 10 of 40 concurrent requests to both instances (the check and the count are atomic)", async () => {
    const key = freshKey("race");
    const statuses = (await Promise.all(Array.from({ length: 40 }, (_, i) => hit(i % 2 ? SECOND : FIRST, key)))).map(
      (r) => r.status,
    );
    expect(ok(statuses), "requests answered 200").toBe(LIMIT);
  }, 20_000);

  it("slide the window: requests leave it one by one a window after they came, not all at once", async () => {
    const key = freshKey("slide");
    expect(ok(await burst([FIRST, SECOND], key, 5)), "5 requests").toBe(5);
    const t1 = Date.now();
    await until(t1 + WINDOW_MS / 2);
    expect(ok(await burst([SECOND, FIRST], key, 6)), "5 more half a window later, then one over the limit").toBe(5);
    // A window + 100 ms after the first five: they have left the window, the last five have not.
    await until(t1 + WINDOW_MS + 100);
    const later = await burst([FIRST, SECOND], key, 6);
    expect(ok(later), `a window later only the first five's slots are free: ${later.join(" ")}`).toBe(5);
  }, 20_000);

  it("leave no key without an expiry in Redis", async () => {
    await burst([FIRST, SECOND], freshKey("ttl"), 3);
    const client = redis();
    try {
      const keys = await client.keys("*");
      expect(keys.length, "the limiter keeps its state in the shared Redis").toBeGreaterThan(0);
      for (const k of keys) {
        const ttl = await client.pttl(k);
        expect(ttl, `PTTL of ${k} (-1: it never expires)`).toBeGreaterThan(0);
        expect(ttl, `PTTL of ${k}: an idle key goes within a few windows`).toBeLessThanOrEqual(10 * WINDOW_MS);
      }
    } finally {
      client.disconnect();
    }
  }, 20_000);
});
