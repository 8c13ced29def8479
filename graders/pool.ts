import os from "node:os";

/**
 * How many gradings `exercise validate` runs at once. Gradings differ in what they cost: a
 * unit grading keeps a core busy for its whole span, a service grading that waits on the
 * learner's timers (graceful shutdown, an outbox's poll) leaves it idle for seconds. A fixed
 * count either starves the cores on the waiting ones or over-subscribes them on the busy
 * ones, so the pool keeps `min` running and admits one more, up to `max`, whenever the
 * machine had at least `idle` of its CPU idle over the last `everyMs`. A fixed `--jobs N` is
 * min = max = N.
 */
export type Admission = { min: number; max: number; idle: number; everyMs: number };

const CORES = Math.max(1, os.availableParallelism());

/**
 * The default: one more than the cores always (each grading spends some time waiting on a
 * sandbox or a child process), up to three per core while half a core stands idle; at most 8.
 */
export const DEFAULT_ADMISSION: Admission = {
  min: Math.min(8, Math.max(2, CORES + 1)),
  max: Math.min(8, Math.max(2, CORES * 3)),
  idle: 0.5 / CORES,
  everyMs: 1000,
};

/** The machine's idle share of all its cores since the previous call (0..1). */
export function idleSampler(): () => number {
  const totals = () => {
    let busy = 0;
    let idle = 0;
    for (const { times } of os.cpus()) {
      idle += times.idle;
      busy += times.user + times.nice + times.sys + times.irq;
    }
    return { busy, idle };
  };
  let prev = totals();
  return () => {
    const now = totals();
    const busy = now.busy - prev.busy;
    const idle = now.idle - prev.idle;
    prev = now;
    return busy + idle > 0 ? idle / (busy + idle) : 0;
  };
}

/**
 * The order to start tasks in: the heaviest first (longest processing time first), so the
 * run does not end on one slow exercise's gradings while the other workers idle. Ties keep
 * their order.
 */
export function heaviestFirst(weights: number[]): number[] {
  return weights
    .map((w, i) => [w, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => i);
}

export type PoolStats = { peak: number; admittedOnIdle: number };

/**
 * Runs `tasks`, the heaviest first, `admission.min` at a time and more while the machine is
 * idle (above); results in the tasks' order. After a task fails no new one starts, and the
 * pool rejects with that failure once the running ones are done (none is left behind).
 */
export function pooled<T>(
  tasks: { run: () => Promise<T>; weight: number }[],
  admission: Admission,
  sample: () => number = idleSampler(),
  stats?: PoolStats,
): Promise<T[]> {
  const min = Math.max(1, Math.min(admission.min, admission.max));
  const max = Math.max(min, admission.max);
  const out: T[] = new Array(tasks.length);
  const order = heaviestFirst(tasks.map((t) => t.weight));
  let next = 0;
  let running = 0;
  let failure: { err: unknown } | null = null;
  return new Promise<T[]>((resolve, reject) => {
    const start = () => {
      const i = order[next++]!;
      running++;
      if (stats) stats.peak = Math.max(stats.peak, running);
      void tasks[i]!.run()
        .then(
          (r) => void (out[i] = r),
          (err: unknown) => void (failure ??= { err }),
        )
        .finally(() => {
          running--;
          fill();
        });
    };
    const more = () => next < order.length && !failure;
    const fill = () => {
      while (running < min && more()) start();
      if (running === 0 && !more()) {
        clearInterval(timer);
        if (failure) reject(failure.err);
        else resolve(out);
      }
    };
    const timer = setInterval(() => {
      const idle = sample();
      if (running >= min && running < max && more() && idle >= admission.idle) {
        if (stats) stats.admittedOnIdle++;
        start();
      }
    }, admission.everyMs);
    fill();
  });
}
