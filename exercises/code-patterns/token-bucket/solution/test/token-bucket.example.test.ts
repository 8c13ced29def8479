import { describe, it, expect } from "vitest";
import { TokenBucket } from "../src/token-bucket.ts";

/** A clock you move by hand: tests stay instant and deterministic. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("TokenBucket (examples — add your own)", () => {
  it("starts full and allows a burst of `capacity`", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1, clock: t.clock });
    expect(bucket.tryRemove()).toBe(true);
    expect(bucket.tryRemove()).toBe(true);
    expect(bucket.tryRemove()).toBe(true);
    expect(bucket.tryRemove()).toBe(false);
  });

  it("refills over time", () => {
    const t = fakeClock();
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 2, clock: t.clock });
    bucket.tryRemove(2);
    expect(bucket.tryRemove()).toBe(false);
    t.advance(500); // 2 tokens/s x 0.5 s = 1 token
    expect(bucket.tryRemove()).toBe(true);
  });
});
