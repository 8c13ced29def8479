import type { Sandbox } from "../../graders/sandbox/port.ts";
import type { Harness } from "./harness.ts";
import type { Row } from "./report.ts";
import { openShell } from "./sandboxes.ts";
import { mapLimit, quantile, range, round, sleep } from "./stats.ts";
import type { Term } from "./term.ts";

export type CapacityOptions = {
  step: number;
  cap: number;
  target: number;
  /** Echo samples per step, and for the baseline (sub-millisecond echoes are noisy: more there). */
  samples: number;
  baselineSamples: number;
  /** Pause after each step before measuring, and before measuring a step over 2× again. */
  settleMs: number;
  /** The ramp starts no new step after this long. */
  budgetMs: number;
};
export type CapacityStep = { idle: number; p50: number; confirm?: number };
export type Capacity = {
  baselineMs: number;
  held: number;
  capReached: boolean;
  stoppedBy: "cap" | "slowdown" | "time" | "error";
  error?: string;
  steps: CapacityStep[];
  seconds: number;
};

let seq = 0;

async function echoP50(term: Term, samples: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) ms.push(await term.ping(++seq));
  return quantile(ms, 0.5);
}

/**
 * How many idle sandboxes (a shell at its prompt each) this machine holds before a
 * neighbour's terminal echo slows past 2× its baseline p50. Adds `step` at a time up to
 * `cap`; gives up after `budgetMs` (the step in progress finishes). A step over 2× is
 * measured once more after a pause, and ends the ramp only if that is over 2× too: echoes
 * take well under a millisecond here, so one scheduling hiccup would otherwise end it.
 */
export async function idleCapacity(h: Harness, o: CapacityOptions): Promise<{ row: Row; detail: Capacity }> {
  const started = performance.now();
  const idle: Sandbox[] = [];
  const steps: CapacityStep[] = [];
  let held = 0;
  let stoppedBy: Capacity["stoppedBy"] = "cap";
  let error: string | undefined;
  let baselineMs = NaN;
  try {
    const neighbour = await openShell(h, "neighbour");
    await echoP50(neighbour.term, 5); // warm up
    baselineMs = await echoP50(neighbour.term, o.baselineSamples);
    const limit = 2 * baselineMs;
    while (idle.length < o.cap) {
      if (performance.now() - started > o.budgetMs) {
        stoppedBy = "time";
        break;
      }
      try {
        await mapLimit(range(Math.min(o.step, o.cap - idle.length)), 4, async () => {
          const { sandbox } = await openShell(h, "idle");
          idle.push(sandbox);
        });
      } catch (err) {
        stoppedBy = "error";
        error = (err as Error).message;
        break;
      }
      // Let the new sandboxes' start-up settle: the figure is about idle ones.
      await sleep(o.settleMs);
      const step: CapacityStep = { idle: idle.length, p50: round(await echoP50(neighbour.term, o.samples)) };
      steps.push(step);
      if (step.p50 > limit) {
        await sleep(o.settleMs);
        step.confirm = round(await echoP50(neighbour.term, o.samples));
      }
      process.stderr.write(
        `bench: ${h.kind}: ${idle.length} idle, neighbour echo p50 ${step.p50} ms${step.confirm === undefined ? "" : ` (again: ${step.confirm} ms)`}, baseline ${round(baselineMs)} ms\n`,
      );
      if (step.confirm !== undefined && step.confirm > limit) {
        stoppedBy = "slowdown";
        break;
      }
      held = idle.length;
    }
  } finally {
    await h.stopAll();
  }
  const capReached = stoppedBy === "cap" && held >= o.cap;
  const seconds = round((performance.now() - started) / 1000);
  const value = capReached ? `≥ ${held}` : String(held);
  const why = {
    cap: `cap ${o.cap} reached`,
    slowdown: `p50 > 2× at ${steps.at(-1)?.idle ?? 0}`,
    time: `stopped after ${round(o.budgetMs / 1000)} s`,
    error: `stopped by an error: ${error}`,
  }[stoppedBy];
  const row: Row = {
    driver: h.kind,
    metric: "idle capacity (neighbour echo p50 ≤ 2× baseline)",
    unit: "sandboxes",
    value,
    target: `≥ ${o.target}`,
    met: held >= o.target,
    note: `baseline ${round(baselineMs)} ms; ${why}; ${seconds} s`,
  };
  return {
    row,
    detail: { baselineMs: round(baselineMs), held, capReached, stoppedBy, ...(error ? { error } : {}), steps, seconds },
  };
}
