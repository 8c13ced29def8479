import type { Results } from "./results.ts";

/** A README's statement about grading: "N tests (P points each)", "N tests, P points each". */
export type PointsClaim = { text: string; tests: number; each: number };

const CLAIM = /(\d+)\s+(?:[\w-]+\s+){0,3}?tests?\s*(?:\(|,\s*)(\d+(?:\.\d+)?)\s+points?\s+each/gi;

export function pointsClaims(readme: string): PointsClaim[] {
  return [...readme.matchAll(CLAIM)].map((m) => ({
    text: m[0].replace(/\s+/g, " "),
    tests: Number(m[1]),
    each: Number(m[2]),
  }));
}

/**
 * What the README says about points against what grading the reference gives (issue: "14 tests
 * (10 points each)" on a 100-point card whose results show 7.14 each). A claim holds when at
 * least that many of the solution's tests are worth that much each (to the cent), and the
 * README's claims together do not exceed the exercise's maximum.
 */
export function readmePointsProblems(
  readme: string,
  solution: { tests: Pick<Results["tests"][number], "max_points">[] },
  maxScore: number,
): string[] {
  const problems: string[] = [];
  const claims = pointsClaims(readme);
  const worth = (p: number) => Math.round(p * 100);
  for (const c of claims) {
    const matching = solution.tests.filter((t) => worth(t.max_points) === worth(c.each)).length;
    if (matching < c.tests) {
      const actual = [...new Set(solution.tests.map((t) => t.max_points))]
        .map((p) => `${solution.tests.filter((t) => t.max_points === p).length} at ${Math.round(p * 100) / 100}`)
        .join(", ");
      problems.push(
        `README.md says "${c.text}", but grading gives ${solution.tests.length} tests (${actual} points) out of ${maxScore}`,
      );
    }
  }
  const claimed = claims.reduce((s, c) => s + c.tests * c.each, 0);
  if (claimed > maxScore + 0.01)
    problems.push(`README.md's points add up to ${claimed}, more than the exercise's ${maxScore}`);
  return problems;
}
