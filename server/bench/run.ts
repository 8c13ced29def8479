import os from "node:os";
import { idleCapacity, type Capacity, type CapacityOptions } from "./capacity.ts";
import { coreRows } from "./core.ts";
import { gradingJobs, type GradingOptions } from "./grading.ts";
import { BenchRun, type DriverKind, type Harness } from "./harness.ts";
import { table, type Row } from "./report.ts";
import { creationRate, idleMemory, openToPrompt } from "./sandboxes.ts";
import { serviceStartRows } from "./services.ts";
import { round } from "./stats.ts";
import { stopTerminalBench, terminalBench } from "./terminal.ts";
import { stopWorkshopBench, workshopBench } from "./workshop.ts";

const DRIVERS: DriverKind[] = ["bwrap", "docker"];
/** Sections: one per driver, grading on each driver (grading.ts), then the terminal (ours vs wetty). */
type Section = DriverKind | "grading" | "terminal" | "workshop";
const SECTIONS: Section[] = [...DRIVERS, "grading", "terminal", "workshop"];
const USAGE =
  "usage: backlab bench [--only bwrap|docker|grading|terminal|workshop[,…]] [--driver bwrap|docker] [--exercise <area>/<slug>[,…]] [--samples N]\n";

/** What runs per driver; sizes chosen so the driver sections stay within ~8 minutes on 2 cores (grading: its own plan, ~5 more). */
const PLAN = {
  bwrap: {
    core: { exec: 20, node: 10, prompt: 10 },
    open: 15,
    create: 20,
    services: 10,
    memory: 10,
    capacity: { step: 10, cap: 150, target: 100, samples: 15, baselineSamples: 30, settleMs: 1000, budgetMs: 170_000 },
  },
  docker: {
    core: { exec: 20, node: 10, prompt: 10 },
    open: 10,
    create: 10,
    services: 0,
    memory: 10,
    capacity: { step: 10, cap: 80, target: 50, samples: 15, baselineSamples: 30, settleMs: 1000, budgetMs: 170_000 },
  },
} satisfies Record<
  DriverKind,
  {
    core: { exec: number; node: number; prompt: number };
    open: number;
    create: number;
    services: number;
    memory: number;
    capacity: CapacityOptions;
  }
>;

export type BenchArgs = { only: Section[]; drivers: DriverKind[]; grading: GradingOptions };

export function parseArgs(args: string[]): BenchArgs | { error: string } {
  let only = SECTIONS;
  let drivers = DRIVERS;
  const grading: GradingOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const value = inline ?? args[++i];
    if (value === undefined || !["--only", "--driver", "--exercise", "--samples"].includes(flag))
      return { error: `unknown argument "${a}"` };
    const picked = value.split(",").map((v) => v.trim());
    if (flag === "--only") {
      const bad = picked.find((v) => !SECTIONS.includes(v as Section));
      if (bad !== undefined) return { error: `--only takes ${SECTIONS.join(", ")} (comma-separated), not "${bad}"` };
      only = picked as Section[];
    } else if (flag === "--driver") {
      const bad = picked.find((v) => !DRIVERS.includes(v as DriverKind));
      if (bad !== undefined) return { error: `--driver takes ${DRIVERS.join(", ")}, not "${bad}"` };
      drivers = picked as DriverKind[];
    } else if (flag === "--exercise") grading.exercises = picked;
    else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 100)
        return { error: `--samples takes a whole number from 1 to 100, not "${value}"` };
      grading.samples = n;
    }
  }
  return { only, drivers, grading };
}

const say = (m: string) => process.stderr.write(`bench: ${m}\n`);

/**
 * Benchmarks of the core loop on each sandbox driver, measured in one run on this machine:
 * distributions are p50/p95 over n samples. Prints JSON, then a table; each target is shown
 * with whether it was met, but a missed target never fails the command (an error does).
 */
export async function runBenchmarks(args: string[] = process.argv.slice(3)): Promise<number> {
  const parsed = parseArgs(args);
  if ("error" in parsed) {
    process.stderr.write(`backlab bench: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  if (loadAtStart > os.cpus().length / 2)
    say(`the machine is busy (load ${loadAtStart.toFixed(2)} on ${os.cpus().length} cores): figures will be noisier`);
  const run = new BenchRun(os.tmpdir());
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    say("interrupted: stopping the bench's sandboxes…");
    void Promise.allSettled([run.close(), stopTerminalBench(), stopWorkshopBench()]).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const rows: Row[] = [];
  const capacity: Partial<Record<DriverKind, Capacity>> = {};
  const drivers: Record<string, Record<string, unknown>> = {};
  /** Runs one section; a failure becomes an error row and the bench goes on. */
  const section = async (driver: string, metric: string, fn: () => Promise<Row[]>) => {
    if (interrupted) return;
    say(`${driver}: ${metric}…`);
    const t0 = performance.now();
    try {
      rows.push(...(await fn()));
    } catch (err) {
      say(`${driver}: ${metric} failed: ${(err as Error).stack ?? String(err)}`);
      rows.push({ driver, metric, unit: "", error: (err as Error).message.split("\n")[0]! });
    }
    say(`${driver}: ${metric} done in ${round((performance.now() - t0) / 1000)} s`);
  };

  try {
    for (const kind of parsed.drivers.filter((k) => parsed.only.includes(k) || parsed.only.includes("grading"))) {
      const plan = PLAN[kind];
      let h: Harness;
      try {
        h = kind === "bwrap" ? await run.bwrap() : await run.docker();
      } catch (err) {
        rows.push({ driver: kind, metric: "driver setup", unit: "", error: (err as Error).message });
        continue;
      }
      drivers[kind] = h.details;
      const full = parsed.only.includes(kind);
      if (full) await section(kind, "core", () => coreRows(h, plan.core));
      if (parsed.only.includes("grading"))
        for (const job of gradingJobs(h, parsed.grading)) await section(kind, job.metric, job.run);
      if (!full) {
        await h
          .close()
          .catch((err: unknown) =>
            rows.push({ driver: kind, metric: "cleanup", unit: "", error: (err as Error).message }),
          );
        continue;
      }
      const label = kind === "docker" ? " (no pool)" : "";
      await section(kind, `open → live prompt${label}`, async () => [
        await openToPrompt(h, plan.open, { label, target: kind === "bwrap" }),
      ]);
      if (kind === "docker") {
        await section(kind, "open → live prompt (warm pool)", async () => {
          const pooled = await run.docker(1);
          try {
            const pool = pooled.driver.pool!;
            return [
              await openToPrompt(pooled, plan.open, {
                label: " (warm pool, size 1)",
                target: true,
                before: () => pool.fill("node20"),
              }),
            ];
          } finally {
            await pooled.close();
          }
        });
      }
      await section(kind, "creations per second", async () => [await creationRate(h, plan.create, 4)]);
      // The Docker images carry no backing services yet (issue 17): bwrap only.
      if (kind === "bwrap") await section(kind, "backing services", () => serviceStartRows(h, plan.services));
      await section(kind, "idle memory", () => idleMemory(h, plan.memory));
      await section(kind, "idle capacity", async () => {
        const { row, detail } = await idleCapacity(h, plan.capacity);
        capacity[kind] = detail;
        return [row];
      });
      await h
        .close()
        .catch((err: unknown) =>
          rows.push({ driver: kind, metric: "cleanup", unit: "", error: (err as Error).message }),
        );
    }
    if (parsed.only.includes("terminal")) {
      await section("terminal", "ours vs wetty", async () => {
        const { rows: r, details } = await terminalBench(say);
        drivers.terminal = details;
        return r;
      });
    }
    if (parsed.only.includes("workshop")) {
      await section("workshop", "30 learners, one cohort", async () => {
        const { rows: r, details } = await workshopBench(say);
        drivers.workshop = details;
        return r;
      });
    }
  } finally {
    await run.close();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  if (interrupted) return 130;

  const load = (n: number) => Math.round(n * 100) / 100;
  const machine = {
    cpus: os.cpus().length,
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    kernel: os.release(),
    node: process.version,
    load1mAtStart: load(loadAtStart),
    load1mAtEnd: load(os.loadavg()[0]!),
  };
  const report = { machine, drivers, results: rows, capacity, seconds: round((performance.now() - started) / 1000) };
  process.stdout.write(JSON.stringify(report, null, 2) + "\n\n");
  process.stdout.write(table(rows));
  process.stdout.write(
    `\n${machine.cpus} cores, load ${machine.load1mAtStart} → ${machine.load1mAtEnd} (1 min), ${report.seconds} s\n`,
  );
  return rows.some((r) => r.error) ? 1 : 0;
}
