const vt = (globalThis as Record<string, any>).__vitest_index__;
try {
  for (let i = 0; i < 40; i++) vt.it(`extra ${i}`, () => {});
  vt.describe("TokenBucket", () => {
    vt.it("starts full and allows exactly `capacity` removals in a burst", () => {});
  });
} catch {}
