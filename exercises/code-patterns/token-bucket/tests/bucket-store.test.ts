import { describe, it, expect } from "vitest";
import { BucketStore } from "@workspace/src/token-bucket.ts";

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("BucketStore", () => {
  it("keeps one independent bucket per key", () => {
    const t = fakeClock();
    const store = new BucketStore({ capacity: 2, refillPerSecond: 1, maxKeys: 10, clock: t.clock });
    expect(store.get("alice").tryRemove(1)).toBe(true);
    expect(store.get("alice").tryRemove(1)).toBe(true);
    expect(store.get("alice").tryRemove(1), "alice used her 2 tokens; get('alice') must return the same (drained) bucket").toBe(false);
    expect(store.get("bob").available(), "bob must get his own full bucket, unaffected by alice").toBe(2);
    expect(store.size, "two keys were used").toBe(2);
  });

  it("never holds more than maxKeys buckets", () => {
    const t = fakeClock();
    const store = new BucketStore({ capacity: 5, refillPerSecond: 1, maxKeys: 100, clock: t.clock });
    for (let i = 0; i < 1000; i++) {
      store.get(`client-${i}`).tryRemove(1);
      t.advance(1);
      if (store.size > 100) {
        expect.fail(`after ${i + 1} distinct keys the store holds ${store.size} buckets; maxKeys is 100`);
      }
    }
    expect(store.size, "size must stay within maxKeys").toBeLessThanOrEqual(100);
    expect(store.has("client-999"), "the bucket just used must not be the one evicted").toBe(true);
  });

  it("evicts the least recently used bucket, not one that was just used", () => {
    const t = fakeClock();
    const store = new BucketStore({ capacity: 2, refillPerSecond: 0.001, maxKeys: 3, clock: t.clock });
    for (const key of ["a", "b", "c"]) {
      store.get(key).tryRemove(2); // drain: none of them is full, so none is free to forget
      t.advance(10);
    }
    store.get("a"); // a is now the most recently used
    t.advance(10);
    store.get("d"); // one of a, b, c has to go: b is least recently used
    expect(store.size, "size must stay within maxKeys (3)").toBeLessThanOrEqual(3);
    expect(store.has("a"), "'a' was used just before 'd' arrived; it must not be evicted").toBe(true);
    expect(store.get("a").available(), "'a' must keep its drained state, not come back as a fresh full bucket").toBeLessThan(1);
  });
});
