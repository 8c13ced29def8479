import { describe, expect, it } from "vitest";
import { parseArgs } from "./run.ts";

describe("bench arguments", () => {
  it("picks sections, drivers, exercises and samples for the grading section", () => {
    expect(
      parseArgs([
        "--only",
        "grading",
        "--driver=bwrap",
        "--exercise",
        "code-patterns/token-bucket,devops/graceful-shutdown",
        "--samples",
        "7",
      ]),
    ).toEqual({
      only: ["grading"],
      drivers: ["bwrap"],
      grading: { exercises: ["code-patterns/token-bucket", "devops/graceful-shutdown"], samples: 7 },
    });
    expect(parseArgs([])).toMatchObject({ drivers: ["bwrap", "docker"], grading: {} });
    expect(parseArgs(["--only", "workshop"])).toMatchObject({ only: ["workshop"] });
  });

  it("refuses what it does not know, saying why", () => {
    expect(parseArgs(["--only", "gradings"])).toEqual({ error: expect.stringMatching(/--only takes/) });
    expect(parseArgs(["--driver", "k8s"])).toEqual({ error: expect.stringMatching(/--driver takes/) });
    expect(parseArgs(["--samples", "0"])).toEqual({ error: expect.stringMatching(/--samples takes/) });
    expect(parseArgs(["--fast"])).toEqual({ error: 'unknown argument "--fast"' });
  });
});
