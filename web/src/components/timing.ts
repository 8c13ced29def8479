import type { Results } from "../api.ts";

type Phase = NonNullable<Results["timing"]>["phases"][number];

/** How the grader's phases (graders/results.ts) read on the page. */
const GROUPS: [string, Phase["phase"][]][] = [
  ["queue", ["queue"]],
  ["service start", ["boot"]],
  ["build", ["build"]],
  ["tests", ["test-file"]],
  ["test runner start-up", ["vitest-start"]],
  ["sandboxes", ["sandbox-create", "sandbox-stop"]],
  ["copying files", ["copy-in"]],
  ["clean-up", ["teardown"]],
];

/** Wall time of a set of spans, overlaps counted once (phases of one grading may run at once). */
function wall(spans: Phase[]): number {
  const sorted = spans.map((p) => [p.start_ms, p.start_ms + p.ms] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [from, to] of sorted) {
    total += Math.max(0, to - Math.max(from, end));
    end = Math.max(end, to);
  }
  return total;
}

// A no-break space: a figure and its unit stay on one line.
const secs = (ms: number) => (ms < 1000 ? `${Math.round(ms)}\u00a0ms` : `${(ms / 1000).toFixed(1)}\u00a0s`);

/** "Where the time went: service start 1.2 s · tests 0.9 s · …", the largest first; null without timing. */
export function timingSummary(result: Pick<Results, "timing">): string | null {
  const all = result.timing?.phases ?? [];
  // A run cut off before any test file finished has only its whole vitest run: that is the tests' time.
  const phases = all.some((p) => p.phase === "test-file")
    ? all
    : all.map((p) => (p.phase === "vitest" ? { ...p, phase: "test-file" as const } : p));
  const parts = GROUPS.map(([label, names]) => [label, wall(phases.filter((p) => names.includes(p.phase)))] as const)
    .filter(([, ms]) => ms >= 10)
    .sort((a, b) => b[1] - a[1]);
  return parts.length ? `Where the time went: ${parts.map(([label, ms]) => `${label} ${secs(ms)}`).join(" · ")}` : null;
}
