import { describe, expect, it } from "vitest";
import { DEFAULT_ADMISSION, heaviestFirst, pooled, type PoolStats } from "./pool.ts";

/** A task that resolves when the test says so, and records how many ran beside it. */
function gate(log: { running: number; peak: number }) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return {
    open: () => open(),
    task: (value: number, weight = 1) => ({
      weight,
      run: async () => {
        log.running++;
        log.peak = Math.max(log.peak, log.running);
        await done;
        log.running--;
        return value;
      },
    }),
  };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("exercise validate's pool", () => {
  it("starts the heaviest gradings first and keeps the order among equals", () => {
    expect(heaviestFirst([30, 150, 30, 90, 150])).toEqual([1, 4, 3, 0, 2]);
    expect(heaviestFirst([])).toEqual([]);
  });

  it("by default runs more gradings than cores, and lets more in only up to its bound", () => {
    expect(DEFAULT_ADMISSION.min).toBeGreaterThanOrEqual(2);
    expect(DEFAULT_ADMISSION.max).toBeGreaterThanOrEqual(DEFAULT_ADMISSION.min);
    expect(DEFAULT_ADMISSION.max).toBeLessThanOrEqual(8);
    expect(DEFAULT_ADMISSION.idle).toBeGreaterThan(0);
  });

  it("keeps min running on a busy machine and returns results in the tasks' order", async () => {
    const log = { running: 0, peak: 0 };
    const g = gate(log);
    const stats: PoolStats = { peak: 0, admittedOnIdle: 0 };
    const run = pooled(
      [1, 2, 3, 4, 5, 6].map((v) => g.task(v, v)),
      { min: 2, max: 5, idle: 0.25, everyMs: 5 },
      () => 0.1,
      stats,
    );
    await tick(40);
    expect(log.running).toBe(2);
    g.open();
    await expect(run).resolves.toEqual([1, 2, 3, 4, 5, 6]);
    expect(stats).toEqual({ peak: 2, admittedOnIdle: 0 });
  });

  it("lets one more in per sample while the CPU is idle, never past max", async () => {
    const log = { running: 0, peak: 0 };
    const g = gate(log);
    const stats: PoolStats = { peak: 0, admittedOnIdle: 0 };
    const run = pooled(
      Array.from({ length: 10 }, (_, i) => g.task(i)),
      { min: 2, max: 4, idle: 0.25, everyMs: 5 },
      () => 0.9,
      stats,
    );
    await tick(60);
    expect(log.running).toBe(4);
    g.open();
    await expect(run).resolves.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log.peak).toBe(4);
    expect(stats.peak).toBe(4);
    expect(stats.admittedOnIdle).toBeGreaterThanOrEqual(2);
  });

  it("starts nothing new after a failure and rejects once the running tasks are done", async () => {
    const started: number[] = [];
    let finishSlow!: () => void;
    const slowDone = new Promise<void>((r) => (finishSlow = r));
    let slowFinished = false;
    const tasks = [
      { weight: 3, run: async () => (started.push(0), await slowDone, (slowFinished = true), 0) },
      { weight: 2, run: async () => (started.push(1), await tick(5), Promise.reject(new Error("grading broke"))) },
      { weight: 1, run: async () => (started.push(2), 2) },
    ];
    const run = pooled(tasks, { min: 2, max: 2, idle: 1, everyMs: 5 }, () => 0);
    let settled = false;
    void run.catch(() => (settled = true));
    await tick(30);
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(false);
    finishSlow();
    await expect(run).rejects.toThrow("grading broke");
    expect(slowFinished).toBe(true);
    expect(started).toEqual([0, 1]);
  });

  it("resolves an empty run at once", async () => {
    await expect(pooled([], DEFAULT_ADMISSION, () => 1)).resolves.toEqual([]);
  });
});
