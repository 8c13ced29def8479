import fs from "node:fs";
import path from "node:path";
import { bootService } from "../../graders/service/boot.ts";
import type { Exercise } from "../../graders/exercise/catalog.ts";
import type { ServiceSpec } from "../../graders/exercise/schema.ts";
import type { Sandbox, SandboxDriver, SandboxSpec } from "../../graders/sandbox/port.ts";
import { removeTree } from "../../graders/sandbox/files.ts";
import type { Harness } from "./harness.ts";
import type { Row } from "./report.ts";
import { distribution, quantile, round } from "./stats.ts";

/**
 * Service boot-to-ready: `bootService()` on an exercise's `solution/`, from the call until it
 * returns (submission copied, service sandbox created and its start command run, grader
 * sandbox joined to its loopback, the ready path answered), then stopped (not in the figure).
 * The note splits the median into those phases.
 */
export async function bootRows(h: Harness, exercise: Exercise, n: number): Promise<Row> {
  const spec = exercise.service as ServiceSpec | undefined;
  if (!spec) throw new Error(`${exercise.id} has no service to boot`);
  const id = exercise.id.slice(0, 12);
  const ready: number[] = [];
  const phases: { copy: number; service: number; grader: number; wait: number; stop: number }[] = [];
  for (let i = 0; i < n; i++) {
    const runDir = h.scratch(`boot-${id}-${i}`);
    fs.mkdirSync(runDir, { recursive: true, mode: 0o755 });
    const timed = new TimedDriver(h.driver);
    try {
      const t0 = performance.now();
      const booted = await bootService(
        {
          exercise,
          step: exercise.grader.steps[0]!,
          submissionDir: path.join(exercise.dir, "solution"),
          runDir,
          driver: timed,
          uid: h.uid(),
          sandboxName: `b-${id}-${i}`,
          deadline: Date.now() + exercise.limits.wall_seconds * 1000,
        },
        [],
      );
      const t1 = performance.now();
      await booted.stop();
      const [svc, tst] = timed.spans as [{ start: number; end: number }, { start: number; end: number }];
      ready.push(t1 - t0);
      phases.push({ copy: svc.start - t0, service: svc.end - svc.start, grader: tst.end - tst.start, wait: t1 - tst.end, stop: timed.stopMs });
    } finally {
      removeTree(runDir);
    }
  }
  const med = (f: (p: (typeof phases)[number]) => number) => `${round(quantile(phases.map(f), 0.5))} ms`;
  const start = Array.isArray(spec.start) ? spec.start.join(" ") : spec.start;
  return {
    driver: h.kind,
    metric: `service boot → ready: ${exercise.id} solution`,
    unit: "ms",
    ...distribution(ready),
    note: `\`${start}\`, GET ${spec.ready.path}; p50 phases: copy ${med((p) => p.copy)}, service sandbox ${med((p) => p.service)}, grader sandbox ${med((p) => p.grader)}, then until ready ${med((p) => p.wait)}; stop ${med((p) => p.stop)} (not counted)`,
  };
}

/**
 * The harness's driver, timing every `create()` and `stop()` the graders make: where the
 * grading time goes that is not the learner's code or the hidden tests. Sandboxes pass
 * through as they are, apart from `stop`.
 */
export class TimedDriver implements SandboxDriver {
  creates = 0;
  createMs = 0;
  stopMs = 0;
  /** When each `create()` started and returned (performance.now()). */
  readonly spans: { start: number; end: number }[] = [];

  constructor(private readonly inner: SandboxDriver) {}

  get name(): string {
    return this.inner.name;
  }

  available() {
    return this.inner.available();
  }

  async create(spec: SandboxSpec): Promise<Sandbox> {
    const t0 = performance.now();
    const sb = await this.inner.create(spec);
    const end = performance.now();
    this.creates++;
    this.createMs += end - t0;
    this.spans.push({ start: t0, end });
    const stop = async () => {
      const t1 = performance.now();
      try {
        await sb.stop();
      } finally {
        this.stopMs += performance.now() - t1;
      }
    };
    const wrapped: Sandbox = {
      get name() {
        return sb.name;
      },
      get spec() {
        return sb.spec;
      },
      get networkId() {
        return sb.networkId;
      },
      exec: (argv, options) => sb.exec(argv, options),
      stop,
      ...(sb.memoryPeak ? { memoryPeak: () => sb.memoryPeak!() } : {}),
    };
    return wrapped;
  }
}
