import { describe, expect, it } from "vitest";
import { timingSummary } from "./timing.ts";

const p = (phase: string, start_ms: number, ms: number) => ({ phase, label: null, step: 0, start_ms, ms }) as never;

describe("where the time went", () => {
  it("names each part, the largest first, counting parts that ran at once only once", () => {
    const timing = {
      phases: [
        p("step", 0, 3000),
        p("copy-in", 0, 30),
        p("sandbox-create", 30, 100),
        p("sandbox-create", 80, 100),
        p("boot", 130, 1400),
        p("vitest-start", 1500, 600),
        p("test-file", 2100, 850),
        p("teardown", 3000, 5),
      ],
    };
    expect(timingSummary({ timing })).toBe(
      "Where the time went: service start 1.4\u00a0s · tests 850\u00a0ms · test runner start-up 600\u00a0ms · sandboxes 150\u00a0ms · copying files 30\u00a0ms",
    );
  });

  it("counts a run cut off before any test file finished as the tests' time", () => {
    const timing = { phases: [p("sandbox-create", 0, 40), p("vitest", 40, 20_000), p("teardown", 20_040, 30)] };
    expect(timingSummary({ timing })).toBe(
      "Where the time went: tests 20.0\u00a0s · sandboxes 40\u00a0ms · clean-up 30\u00a0ms",
    );
  });

  it("shows nothing for a result without timing", () => {
    expect(timingSummary({})).toBeNull();
    expect(timingSummary({ timing: { phases: [] } })).toBeNull();
  });
});
