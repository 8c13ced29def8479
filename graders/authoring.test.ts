import { describe, expect, it } from "vitest";
import { DEFAULT_JOBS, heaviestFirst } from "./authoring.ts";

describe("exercise validate's pool", () => {
  it("starts the heaviest gradings first and keeps the order among equals", () => {
    expect(heaviestFirst([30, 150, 30, 90, 150])).toEqual([1, 4, 3, 0, 2]);
    expect(heaviestFirst([])).toEqual([]);
  });

  it("runs more gradings at once than there are cores, within bounds", () => {
    expect(DEFAULT_JOBS).toBeGreaterThanOrEqual(2);
    expect(DEFAULT_JOBS).toBeLessThanOrEqual(8);
  });
});
