import { describe, expect, it } from "vitest";
import { splitPoints } from "./kind.ts";
import { capResults, joinStepMessages, MAX_RESULTS_BYTES, summarize, truncate, type TestResult } from "./results.ts";

const t = (status: TestResult["status"], points: number, max: number): TestResult => ({
  name: "t",
  status,
  message: null,
  output: null,
  task_id: 1,
  category: "functional",
  points,
  max_points: max,
  duration_ms: 1,
});

describe("results", () => {
  it("truncates long output to the cap and says how much was cut", () => {
    const long = "x".repeat(5000);
    const out = truncate(long)!;
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out).toMatch(/truncated \d+ characters/);
    expect(truncate("short")).toBe("short");
    expect(truncate("")).toBeNull();
  });

  it("splits points evenly and exactly", () => {
    expect(splitPoints(100, 3)).toEqual([33.33, 33.33, 33.34]);
    expect(splitPoints(100, 14).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 10);
    expect(splitPoints(10, 0)).toEqual([]);
  });

  it("passes only when every test passes, and totals the score", () => {
    expect(summarize([t("pass", 5, 5), t("pass", 5, 5)], 12)).toMatchObject({
      status: "pass",
      score: 10,
      max_score: 10,
      version: 3,
    });
    expect(summarize([t("pass", 5, 5), t("fail", 0, 5)], 12)).toMatchObject({
      status: "fail",
      score: 5,
      max_score: 10,
    });
    expect(summarize([], 1).status).toBe("fail");
  });

  it("caps a results document at 500 KB and keeps the score", () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      ...t(i % 2 ? "pass" : "fail", i % 2, 1),
      name: `test ${i}`,
      message: "m".repeat(400),
      output: "o".repeat(500),
    }));
    const capped = capResults(summarize(many, 1));
    expect(Buffer.byteLength(JSON.stringify(capped))).toBeLessThanOrEqual(MAX_RESULTS_BYTES);
    expect(capped.score).toBe(2500);
    expect(capped.max_score).toBe(5000);
  });
});

describe("joinStepMessages", () => {
  const log = Array.from({ length: 40 }, (_, i) => `GET /notes/${i} 200`).join("\n");
  it("shows a shared service's output once (issue 13: it was repeated, one copy per step)", () => {
    const functional = `2 tests failed.\n\nService output (end):\n${log.slice(-1500)}`;
    const security = `Probe xss found a flaw.\n\nService output (end):\n${(log + "\nPOST /notes 201").slice(-1500)}`;
    const joined = joinStepMessages([functional, security])!;
    expect(joined.match(/Service output/g)).toHaveLength(1);
    expect(joined).toMatch(
      /^2 tests failed\.\nProbe xss found a flaw\.\n\nService output \(end\):\n[\s\S]*POST \/notes 201$/,
    );
  });

  it("keeps different outputs, plain messages, and nothing for nothing", () => {
    const a = "Service output:\nfirst service crashed";
    const b = "Boot failed.\n\nService output (end):\nsecond service, other log";
    expect(joinStepMessages([a, b])).toBe(`${a}\n${b}`);
    expect(joinStepMessages(["one", "two"])).toBe("one\ntwo");
    expect(joinStepMessages([])).toBeNull();
  });
});
