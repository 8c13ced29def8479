import { describe, expect, it } from "vitest";
import { pointsClaims, readmePointsProblems } from "./readme-points.ts";

const tests = (n: number, each: number) =>
  Array.from({ length: n }, (_, i) => ({
    name: `t${i}`,
    status: "pass" as const,
    points: each,
    max_points: each,
    category: "functional" as const,
  }));

describe("README points against the grading", () => {
  it("reads the ways READMEs state points", () => {
    expect(pointsClaims("A hidden suite of 14 vitest tests (10 points each) imports")).toEqual([
      { text: "14 vitest tests (10 points each", tests: 14, each: 10 },
    ]);
    expect(pointsClaims("- **The code flow** (9 tests, 10 points each): the happy path")).toMatchObject([
      { tests: 9, each: 10 },
    ]);
    expect(pointsClaims("A hidden suite of 13 vitest tests (equal points)")).toEqual([]);
  });

  it("flags token-bucket's old claim: 14 tests at 10 on a 100-point exercise", () => {
    const problems = readmePointsProblems(
      "A hidden suite of 14 vitest tests (10 points each) imports",
      { tests: tests(14, 100 / 14) },
      100,
    );
    expect(problems[0]).toMatch(
      /says "14 vitest tests \(10 points each", but grading gives 14 tests \(14 at 7.14 points\) out of 100/,
    );
    expect(problems[1]).toMatch(/add up to 140, more than the exercise's 100/);
  });

  it("accepts claims that hold, split over steps", () => {
    expect(
      readmePointsProblems(
        "(9 tests, 10 points each) and (8 tests, 10 points each)",
        { tests: [...tests(17, 10), ...tests(3, 10)] },
        200,
      ),
    ).toEqual([]);
  });
});
