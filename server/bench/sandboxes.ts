import type { Sandbox } from "../../graders/sandbox/port.ts";
import type { Harness, MemorySample } from "./harness.ts";
import type { Row } from "./report.ts";
import { distribution, mapLimit, quantile, range, round, sleep } from "./stats.ts";
import { PROMPT, Term } from "./term.ts";

export const OPEN_TARGET_MS = 100;

/** A new sandbox with an interactive shell at its prompt. */
export async function openShell(h: Harness, prefix: string): Promise<{ sandbox: Sandbox; term: Term }> {
  const sandbox = await h.create(h.spec(prefix));
  const term = Term.open(sandbox);
  await term.until(PROMPT);
  return { sandbox, term };
}

/**
 * Opening an exercise: `create(spec)` to a live bash prompt on a TTY exec, then the sandbox
 * is stopped (untimed). `before` runs untimed ahead of each sample (the pool's fill).
 */
export async function openToPrompt(
  h: Harness,
  n: number,
  opts: { label: string; target: boolean; before?: () => Promise<void> },
): Promise<Row> {
  const ms: number[] = [];
  // One untimed round first: the first sandbox of a kind pays one-off costs (etc files, caches).
  for (let i = -1; i < n; i++) {
    await opts.before?.();
    const t0 = performance.now();
    const { sandbox } = await openShell(h, "open");
    if (i >= 0) ms.push(performance.now() - t0);
    await h.stop(sandbox);
  }
  const d = distribution(ms);
  const target = opts.target ? { target: `p50 ≤ ${OPEN_TARGET_MS} ms`, met: d.p50 <= OPEN_TARGET_MS } : {};
  return { driver: h.kind, metric: `open → live prompt${opts.label}`, unit: "ms", ...d, ...target };
}

/** N sandboxes, `concurrency` at a time, each usable (one `true` exec); rate = N / wall seconds. */
export async function creationRate(h: Harness, n: number, concurrency = 4): Promise<Row> {
  const made: Sandbox[] = [];
  try {
    const t0 = performance.now();
    await mapLimit(range(n), concurrency, async () => {
      const sb = await h.create(h.spec("rate"));
      made.push(sb);
      const p = sb.exec(["true"], { timeoutMs: 30_000 });
      p.end();
      const exit = await p.wait();
      if (exit.code !== 0) throw new Error(`true exited with ${JSON.stringify(exit)}`);
    });
    const secs = (performance.now() - t0) / 1000;
    return {
      driver: h.kind,
      metric: `sandbox creations per second (concurrency ${concurrency}, each + exec true)`,
      unit: "/s",
      value: round(n / secs),
      n,
      note: `${n} in ${round(secs)} s`,
    };
  } finally {
    await h.stopAll(made);
  }
}

/** K idle sandboxes with a shell at the prompt each; the median of their memory. */
export async function idleMemory(h: Harness, k: number): Promise<Row[]> {
  const made: Sandbox[] = [];
  try {
    await mapLimit(range(k), 4, async () => {
      const { sandbox } = await openShell(h, "mem");
      made.push(sandbox);
    });
    await sleep(1000);
    const samples: MemorySample[] = await mapLimit(made, 4, (sb) => h.memory(sb));
    const mb = (x: number) => round(x / 1024 / 1024);
    const source = h.kind === "bwrap" ? "cgroup memory.usage_in_bytes" : "docker stats usage";
    return [
      {
        driver: h.kind,
        metric: `idle memory per sandbox (shell at prompt): ${source}`,
        unit: "MB",
        value: mb(
          quantile(
            samples.map((s) => s.usage),
            0.5,
          ),
        ),
        n: k,
        note: "median",
      },
      {
        driver: h.kind,
        metric: "idle memory per sandbox (shell at prompt): without page cache",
        unit: "MB",
        value: mb(
          quantile(
            samples.map((s) => s.withoutCache),
            0.5,
          ),
        ),
        n: k,
        note: "median",
      },
      ...(samples.every((s) => s.outside !== undefined)
        ? [
            {
              driver: h.kind,
              metric: "idle memory per sandbox: containerd-shim, outside the cgroup (PSS)",
              unit: "MB",
              value: mb(
                quantile(
                  samples.map((s) => s.outside!),
                  0.5,
                ),
              ),
              n: k,
              note: "median",
            },
          ]
        : []),
    ];
  } finally {
    await h.stopAll(made);
  }
}
