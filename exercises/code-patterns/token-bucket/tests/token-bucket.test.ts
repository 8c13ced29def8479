import { describe, it, expect } from "vitest";
import { TokenBucket } from "@workspace/src/token-bucket.ts";

/** A clock the test moves by hand: no sleeping, fully deterministic. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

function drain(bucket: TokenBucket, count: number) {
  for (let i = 0; i < count; i++) {
    expect(bucket.tryRemove(1), `draining: removal ${i + 1} of ${count} should succeed`).toBe(true);
  }
}

describe("TokenBucket", () => {
  it("starts full and allows exactly `capacity` removals in a burst", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1, clock: t.clock });
    expect(bucket.available(), "a new bucket should start with `capacity` tokens").toBe(3);
    drain(bucket, 3);
    expect(bucket.tryRemove(1), "the 4th removal with no time passing must be refused").toBe(false);
    expect(bucket.available(), "a refused removal must not push the bucket below 0").toBe(0);
  });

  it("refills continuously at refillPerSecond, reading time from the injected clock", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 2, clock: t.clock });
    drain(bucket, 10);
    t.advance(500);
    expect(bucket.available(), "2 tokens/s for 500 ms should add 1 token").toBeCloseTo(1, 6);
    expect(bucket.tryRemove(1), "the refilled token should be usable").toBe(true);
    expect(bucket.tryRemove(1), "only one token was refilled").toBe(false);
    t.advance(1500);
    expect(bucket.available(), "2 tokens/s for 1500 ms should add 3 tokens").toBeCloseTo(3, 6);
  });

  it("refills fractionally: partial tokens are kept and accumulate across calls", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock: t.clock });
    drain(bucket, 5);
    t.advance(500);
    expect(bucket.available(), "1 token/s for 500 ms should give 0.5 tokens (not 0)").toBeCloseTo(0.5, 6);

    const t2 = fakeClock();
    const b2 = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock: t2.clock });
    drain(b2, 5);
    for (let step = 1; step <= 3; step++) {
      t2.advance(250);
      expect(b2.tryRemove(1), `after ${step * 250} ms only ${step * 0.25} tokens exist; removal must fail`).toBe(false);
    }
    t2.advance(250);
    expect(
      b2.tryRemove(1),
      "4 x 250 ms at 1 token/s adds up to 1 token; fractions must not be thrown away between calls",
    ).toBe(true);
  });

  it("never refills above capacity, even after a long idle period", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 10, clock: t.clock });
    drain(bucket, 5);
    t.advance(60 * 60 * 1000); // one hour idle = 36,000 tokens earned without a cap
    expect(bucket.available(), "tokens must be capped at capacity (5) after an hour idle").toBe(5);
    drain(bucket, 5);
    expect(bucket.tryRemove(1), "the burst after idling must be exactly `capacity`, not more").toBe(false);
  });

  it("tryRemove(n) is all-or-nothing and refuses n > capacity without consuming", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock: t.clock });
    expect(bucket.tryRemove(3), "3 of 5 tokens should be removable").toBe(true);
    expect(bucket.tryRemove(3), "only 2 tokens are left, so removing 3 must fail").toBe(false);
    expect(bucket.available(), "a refused tryRemove(3) must not consume the 2 remaining tokens").toBeCloseTo(2, 6);
    expect(bucket.tryRemove(2), "the 2 remaining tokens should still be removable").toBe(true);

    const big = new TokenBucket({ capacity: 3, refillPerSecond: 1, clock: t.clock });
    expect(big.tryRemove(4), "tryRemove(4) on a bucket of capacity 3 can never succeed").toBe(false);
    expect(big.available(), "a refused tryRemove(n > capacity) must consume nothing").toBe(3);
    t.advance(60 * 60 * 1000);
    expect(big.tryRemove(4), "tryRemove(4) must still fail after a long idle (capacity is 3)").toBe(false);
    expect(big.available(), "the bucket should still hold its full 3 tokens").toBe(3);
  });

  it("msUntilAvailable(n) reports the wait: 0 when available, exact ms when short, Infinity when n > capacity", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 4, refillPerSecond: 2, clock: t.clock });
    expect(bucket.msUntilAvailable(1), "a full bucket has a token now").toBe(0);
    drain(bucket, 4);
    expect(bucket.msUntilAvailable(1), "empty, 2 tokens/s: 1 token takes 500 ms").toBeCloseTo(500, 3);
    expect(bucket.msUntilAvailable(3), "empty, 2 tokens/s: 3 tokens take 1500 ms").toBeCloseTo(1500, 3);
    t.advance(250);
    expect(bucket.msUntilAvailable(1), "0.5 tokens held, 0.5 missing at 2 tokens/s: 250 ms").toBeCloseTo(250, 3);
    expect(bucket.available(), "msUntilAvailable must not consume tokens").toBeCloseTo(0.5, 6);
    expect(bucket.msUntilAvailable(5), "5 tokens never fit in a bucket of capacity 4").toBe(Infinity);
  });

  it("rejects invalid options and token counts with RangeError", () => {
    const t = fakeClock();
    for (const bad of [
      { capacity: 0, refillPerSecond: 1 },
      { capacity: -1, refillPerSecond: 1 },
      { capacity: Number.NaN, refillPerSecond: 1 },
      { capacity: 5, refillPerSecond: 0 },
      { capacity: 5, refillPerSecond: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => new TokenBucket({ ...bad, clock: t.clock }), `new TokenBucket(${JSON.stringify(bad)}) should throw RangeError`).toThrow(RangeError);
    }
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock: t.clock });
    expect(() => bucket.tryRemove(-1), "tryRemove(-1) should throw RangeError").toThrow(RangeError);
    expect(() => bucket.tryRemove(Number.NaN), "tryRemove(NaN) should throw RangeError").toThrow(RangeError);
    expect(bucket.available(), "invalid calls must not change the bucket").toBe(5);
  });
});
