import { describe, expect, it } from "vitest";
import { FakeDriver } from "./sandbox/doubles.ts";
import { GradingTimer, phaseTotals, timedDriver } from "./timing.ts";

describe("grading timing", () => {
  it("records phases relative to the grading's start, nested and overlapping ones included", async () => {
    const timer = new GradingTimer(1_000);
    timer.add("copy-in", null, 0, 1_010, 1_030);
    timer.add("boot", "tsx src/server.ts", 0, 1_020, 1_900);
    await timer.time("teardown", null, null, () => undefined);
    expect(timer.phases.slice(0, 2)).toEqual([
      { phase: "copy-in", label: null, step: 0, start_ms: 10, ms: 20 },
      { phase: "boot", label: "tsx src/server.ts", step: 0, start_ms: 20, ms: 880 },
    ]);
    expect(timer.phases[2]).toMatchObject({ phase: "teardown", step: null });
  });

  it("tells a listener each phase as it starts and ends (the live progress), past phases as they are added", async () => {
    const heard: unknown[] = [];
    const timer = new GradingTimer(1_000, (e) => heard.push(e));
    let during: unknown[] = [];
    await timer.forStep(0).time("boot", "npm start", () => {
      during = [...heard];
    });
    timer.add("test-file", "a.test.ts", 0, 1_010, 1_030);
    expect(during).toEqual([{ phase: "boot", label: "npm start", step: 0, state: "running" }]);
    expect(heard.slice(1)).toEqual([
      { phase: "boot", label: "npm start", step: 0, state: "done", ms: expect.any(Number) },
      { phase: "test-file", label: "a.test.ts", step: 0, state: "done", ms: 20 },
    ]);
  });

  it("records a phase whose work throws, and rethrows", async () => {
    const timer = new GradingTimer();
    await expect(timer.forStep(2).time("copy-in", "x", () => Promise.reject(new Error("disk full")))).rejects.toThrow(
      "disk full",
    );
    expect(timer.phases).toEqual([expect.objectContaining({ phase: "copy-in", label: "x", step: 2 })]);
  });

  it("times every sandbox create and stop of a step, keeping the driver's own sandbox object", async () => {
    const timer = new GradingTimer();
    const inner = new FakeDriver("script", 30);
    const driver = timedDriver(inner, timer.forStep(1));
    expect(driver.name).toBe("fake");
    const spec = {
      name: "g-1-s1",
      runtime: "node20",
      workspaceDir: "/tmp/x",
      limits: { cpus: 1, memoryMb: 256, pids: 64, cpuSeconds: 5, fileSizeMb: 16, tmpMb: 16, openFiles: 64 },
      uid: 1000,
      network: "none" as const,
    };
    const sandbox = await driver.create(spec);
    expect(sandbox.constructor.name).toBe("FakeSandbox");
    await sandbox.stop();
    expect(inner.ops("stop")).toHaveLength(1);
    const [create, stop] = timer.phases;
    expect(create).toMatchObject({ phase: "sandbox-create", label: "g-1-s1", step: 1 });
    expect(create!.ms).toBeGreaterThanOrEqual(25);
    expect(stop).toMatchObject({ phase: "sandbox-stop", label: "g-1-s1", step: 1 });
  });

  it("totals wall time per phase, counting overlapping spans of one phase once", () => {
    const p = (phase: "sandbox-create" | "boot", start_ms: number, ms: number) => ({
      phase,
      label: null,
      step: 0,
      start_ms,
      ms,
    });
    expect(
      phaseTotals([
        p("sandbox-create", 0, 100),
        p("sandbox-create", 50, 100),
        p("sandbox-create", 300, 10),
        p("boot", 100, 900),
      ]),
    ).toEqual({ "sandbox-create": 160, boot: 900 });
    expect(phaseTotals([])).toEqual({});
  });

  it("keeps a grading's timing bounded however many phases it has", () => {
    const timer = new GradingTimer();
    for (let i = 0; i < 5000; i++) timer.add("test-file", `tests/${i}.test.ts`, 0, Date.now());
    expect(timer.phases.length).toBeLessThanOrEqual(400);
  });
});
