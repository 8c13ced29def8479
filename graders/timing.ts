import type { Sandbox, SandboxDriver, SandboxSpec } from "./sandbox/port.ts";
import { PHASES, type Phase, type PhaseName } from "./results.ts";

/**
 * Records where a grading's time goes, as `Results.timing` (graders/results.ts): each phase
 * with its start relative to the grading's start, so phases that overlap (a sandbox starting
 * while the service boots) show as such. Times are host wall clock (`Date.now()`).
 */
export class GradingTimer {
  readonly phases: Phase[] = [];

  constructor(
    readonly startedAt = Date.now(),
    /** Told as each phase starts and ends, so a page can follow the grading live. */
    private readonly onPhase?: (e: PhaseEvent) => void,
  ) {}

  /** A phase that ran from `start` to `end` (epoch ms). */
  add(phase: PhaseName, label: string | null, step: number | null, start: number, end = Date.now()): void {
    if (this.phases.length >= MAX_PHASES) return;
    const s = Math.max(start, this.startedAt - 24 * 3600_000);
    this.onPhase?.({
      phase,
      label: label === null ? null : label.slice(0, 200),
      step,
      state: "done",
      ms: Math.max(0, Math.round(end - s)),
    });
    this.phases.push({
      phase,
      label: label === null ? null : label.slice(0, 200),
      step,
      start_ms: Math.round(s - this.startedAt),
      ms: Math.max(0, Math.round(end - s)),
    });
  }

  /** Times `fn` as one phase (recorded whether it succeeds or throws). */
  async time<T>(phase: PhaseName, label: string | null, step: number | null, fn: () => T | Promise<T>): Promise<T> {
    const start = Date.now();
    if (this.phases.length < MAX_PHASES)
      this.onPhase?.({ phase, label: label === null ? null : label.slice(0, 200), step, state: "running" });
    try {
      return await fn();
    } finally {
      this.add(phase, label, step, start);
    }
  }

  /** The same timer, bound to one step of the grading. */
  forStep(step: number): StepTimer {
    return {
      add: (phase, label, start, end) => this.add(phase, label, step, start, end),
      time: (phase, label, fn) => this.time(phase, label, step, fn),
    };
  }
}

/** A phase starting or ending, as the live progress reports it. */
export type PhaseEvent = {
  phase: PhaseName;
  label: string | null;
  step: number | null;
} & ({ state: "running" } | { state: "done"; ms: number });

/** A step's handle on the grading's timer (`GradeContext.timing`). */
export type StepTimer = {
  add(phase: PhaseName, label: string | null, start: number, end?: number): void;
  time<T>(phase: PhaseName, label: string | null, fn: () => T | Promise<T>): Promise<T>;
};

/** `fn` as a phase of this step when the grading is timed (a one-off boot in the bench is not). */
export function timed<T>(
  ctx: { timing?: StepTimer },
  phase: PhaseName,
  fn: () => T,
  label: string | null = null,
): Promise<T> {
  return ctx.timing ? ctx.timing.time(phase, label, fn) : Promise.resolve(fn());
}

/** A grading with thousands of restarts or test files still has a bounded results document. */
const MAX_PHASES = 400;

/**
 * The driver as the step sees it: every `create()` and `stop()` is recorded as a
 * `sandbox-create` / `sandbox-stop` phase. The sandbox itself is the driver's own object
 * (joining its network, memory hooks and identity checks keep working); only its `stop` is
 * wrapped.
 */
export function timedDriver(inner: SandboxDriver, timer: StepTimer): SandboxDriver {
  return {
    get name() {
      return inner.name;
    },
    get stopGraceMs() {
      return inner.stopGraceMs;
    },
    get persistent() {
      return inner.persistent;
    },
    available: () => inner.available(),
    async create(spec: SandboxSpec): Promise<Sandbox> {
      const sandbox = await timer.time("sandbox-create", spec.name, () => inner.create(spec));
      const stop = sandbox.stop.bind(sandbox);
      sandbox.stop = (opts) => timer.time("sandbox-stop", spec.name, () => stop(opts));
      return sandbox;
    },
    identity: (runtime) => inner.identity(runtime),
    reap: (keep) => inner.reap(keep),
    prewarm: (runtime) => inner.prewarm(runtime),
    close: () => inner.close(),
  };
}

/** Wall time per phase, overlaps within a phase counted once: the lab's log line and the bench. */
export function phaseTotals(phases: readonly Phase[]): Partial<Record<PhaseName, number>> {
  const out: Partial<Record<PhaseName, number>> = {};
  for (const name of PHASES) {
    const spans = phases.filter((p) => p.phase === name).map((p) => [p.start_ms, p.start_ms + p.ms] as const);
    if (spans.length === 0) continue;
    spans.sort((a, b) => a[0] - b[0]);
    let total = 0;
    let [from, to] = spans[0]!;
    for (const [s, e] of spans.slice(1)) {
      if (s > to) {
        total += to - from;
        [from, to] = [s, e];
      } else to = Math.max(to, e);
    }
    out[name] = total + (to - from);
  }
  return out;
}
