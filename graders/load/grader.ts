import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { runCapped } from "../sandbox/exec.ts";
import type { GradeContext, GraderKind, StepOutcome } from "../kind.ts";
import { splitPoints } from "../kind.ts";
import { LoadStep } from "./step.ts";
import { needsService } from "../service/step.ts";
import { MAX_MESSAGE, truncate, type TestResult } from "../results.ts";
import { bootService, BootError, type BootedService } from "../service/boot.ts";
import { bootFailure } from "../service/grader.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));

type Step = z.infer<typeof LoadStep>;

/**
 * The calibration's throughput on an idle machine, in responses per second: a trivial
 * `http.createServer` driven by autocannon (10 connections) in the same process inside one
 * grader sandbox at the default limits (1 CPU), after a 1 s warm-up, the lower of the runs
 * before and after the load. Measured on the development machine (2 cores) with both drivers
 * alike: 26k–30k in its quietest minutes (bursts to 34k), 11k–20k while other test suites ran.
 * 28k makes a quiet machine read ×1.0 and a busy one ×1.4–2.5.
 *
 * Throughput rather than the trivial server's p99: that p99 is 0–5 ms at whole-millisecond
 * resolution (1 → 2 ms would read as "twice as busy") and grows with the connection count,
 * while throughput is steadier and varies little with connections (1, 10 and 50 connections
 * measured within ~2× of each other), so one reference serves every step.
 */
export const REFERENCE_CALIBRATION_RPS = 28_000;
/** The most a busy machine may loosen a threshold. */
export const MAX_CALIBRATION_FACTOR = 4;
/** Each calibration run (autocannon samples per second, so 1 s is its shortest). */
const CALIBRATION_SECONDS = 1;
/** Before the first calibration, unmeasured (see load.mjs). */
const WARM_UP_SECONDS = 1;
/** Node's start, the service probe, the counters, writing the report. */
const SCRIPT_OVERHEAD_MS = 3000;

export type RunSummary = {
  duration_s: number;
  completed: number;
  sent: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  status: Record<"1xx" | "2xx" | "3xx" | "4xx" | "5xx", number>;
  errors: number;
  timeouts: number;
};

export type LoadReport = {
  calibration: RunSummary[];
  target: RunSummary | null;
  counters: { url: string; field: string; max: number; value: number | null; problem: string | null }[];
  alive: { ok: boolean; why: string | null } | null;
  error: string | null;
};

/**
 * `load`: boots the learner's service, then drives one route with autocannon from the grader's
 * sandbox (which shares only the service's loopback). Each threshold of the step is a scored
 * test. Latency and throughput thresholds are scaled by a calibration run measured right
 * before and right after the load, so a machine busy with other work does not fail the
 * learner. The exercise's wall time covers boot, calibration and load.
 */
export const loadGrader: GraderKind<typeof LoadStep> = {
  kind: "load",
  step: LoadStep,
  hidden: () => [],
  check: (step, at) => needsService(step.kind, at),
  async run(ctx: GradeContext<Step>): Promise<StepOutcome> {
    const { step } = ctx;
    const checks = thresholdChecks(step);
    // An exercise's mistake, not the learner's: the grader cannot score anything.
    if (checks.length === 0) throw new Error(`the load step "${step.name}" sets no thresholds`);

    const grader = path.join(ctx.runDir, "grader");
    const out = path.join(ctx.runDir, "out");
    fs.mkdirSync(grader, { mode: 0o755 });
    fs.copyFileSync(path.join(HERE, "load.mjs"), path.join(grader, "load.mjs"));
    fs.mkdirSync(path.join(grader, "out"));
    fs.mkdirSync(out);
    fs.chownSync(out, ctx.uid, ctx.uid);
    const mounts = [
      { source: grader, target: "/grader", readonly: true },
      { source: out, target: "/grader/out", readonly: false },
    ];

    const started = Date.now();
    let booted: BootedService;
    try {
      booted = await bootService(ctx, mounts);
    } catch (err) {
      if (err instanceof BootError) return bootFailure(step, err.message);
      throw err;
    }
    try {
      const outcome = await measure(ctx, checks, booted, out, Date.now() - started);
      for (const t of outcome.tests) ctx.onTest?.({ name: t.name, status: t.status === "pass" ? "pass" : "fail" });
      return outcome;
    } finally {
      await booted.stop();
    }
  },
};

async function measure(
  ctx: GradeContext<Step>,
  checks: Check[],
  booted: BootedService,
  out: string,
  bootMs: number,
): Promise<StepOutcome> {
  const { step } = ctx;
  const wall = ctx.exercise.limits.wall_seconds;
  const needMs =
    (WARM_UP_SECONDS + 2 * CALIBRATION_SECONDS) * 1000 + Math.ceil(step.duration_seconds) * 1000 + SCRIPT_OVERHEAD_MS;
  const leftMs = ctx.deadline - Date.now();
  if (leftMs < needMs) {
    return failAll(
      ctx,
      checks,
      `Not run: the time limit of ${wall} s covers booting your service, calibration and the load test; booting took ${seconds(bootMs)} s and left ${seconds(Math.max(0, leftMs))} s, the load test needs about ${seconds(needMs)} s.`,
    );
  }

  const plan = {
    serviceUrl: booted.url,
    method: step.method,
    path: step.path,
    body: step.body,
    connections: step.connections,
    durationSeconds: step.duration_seconds,
    calibrationSeconds: CALIBRATION_SECONDS,
    warmUpSeconds: WARM_UP_SECONDS,
    // A request slower than half the run counts as an error (a timeout), not as missing data.
    requestTimeoutSeconds: Math.min(10, Math.max(1, step.duration_seconds / 2)),
    counters: step.thresholds.counters ?? [],
    alivePath: ctx.exercise.service?.ready.path ?? "/",
  };
  const run = await runCapped(booted.grader, ["node", "/grader/load.mjs", JSON.stringify(plan)], {
    timeoutMs: Math.max(1000, ctx.deadline - Date.now()),
  });
  // Read before the sandbox stops; bytes → MB.
  const peak = (await booted.service.memoryPeak?.().catch(() => null)) ?? null;
  const report = readReport(path.join(out, "load.json"));

  if (run.exit.timedOut) {
    return failAll(
      ctx,
      checks,
      `The time limit of ${wall} s was reached during the load test (it covers booting your service, calibration and ${step.duration_seconds} s of load; booting took ${seconds(bootMs)} s).`,
      booted,
    );
  }
  if (!report || report.error || !report.target || report.calibration.length === 0) {
    throw new Error(
      `the load grader could not measure (exit ${run.exit.code ?? run.exit.signal}): ${(report?.error ?? run.output).slice(-400)}`,
    );
  }
  if (report.alive && !report.alive.ok) {
    return failAll(
      ctx,
      checks,
      `Your service stopped answering during the load test: after ${step.duration_seconds} s of ${step.method} ${step.path}, ${report.alive.why}.`,
      booted,
    );
  }

  const t = report.target;
  const calRps = Math.min(...report.calibration.map((c) => c.rps));
  // Capped: a service that is slow because it waits (not because the machine is busy) must
  // not slip through on a loaded machine, and nobody can buy unlimited slack by burning CPU.
  const factor = Math.min(MAX_CALIBRATION_FACTOR, Math.max(1, REFERENCE_CALIBRATION_RPS / Math.max(1, calRps)));
  const cal = `calibration ×${factor.toFixed(1)}`;
  const output = truncate(summaryText(step, t, report.calibration, factor));
  const answered = t.completed > 0;
  const none = `no response completed during the ${seconds(t.duration_s * 1000)} s run`;
  const points = splitPoints(step.points, checks.length);

  const tests = checks.map((c, i): TestResult => {
    let pass: boolean;
    let message: string;
    switch (c.kind) {
      case "p50":
      case "p99": {
        const limit = c.max * factor;
        const value = c.kind === "p50" ? t.p50_ms : t.p99_ms;
        pass = answered && value <= limit;
        message = answered
          ? `${c.kind} ${ms(value)} ms ${pass ? "≤" : ">"} ${ms(limit)} ms (${cal})`
          : `${c.kind}: ${none}`;
        break;
      }
      case "rps": {
        const limit = c.min / factor;
        pass = t.rps >= limit;
        message = `throughput ${Math.round(t.rps)} req/s ${pass ? "≥" : "<"} ${Math.round(limit)} req/s (${cal})`;
        break;
      }
      case "errors": {
        const bad = t.status["1xx"] + t.status["4xx"] + t.status["5xx"] + t.errors;
        const total =
          t.status["1xx"] + t.status["2xx"] + t.status["3xx"] + t.status["4xx"] + t.status["5xx"] + t.errors;
        // Nothing answered at all is as bad as it gets.
        const rate = total === 0 ? 1 : bad / total;
        pass = rate <= c.max;
        const parts = [
          ["4xx", t.status["4xx"]],
          ["5xx", t.status["5xx"]],
          ["1xx", t.status["1xx"]],
          ["socket errors and timeouts", t.errors],
        ]
          .filter(([, n]) => Number(n) > 0)
          .map(([k, n]) => `${k} ${n}`);
        message = `error rate ${pct(rate)} ${pass ? "≤" : ">"} ${pct(c.max)} (${bad} of ${total} requests failed${parts.length ? `: ${parts.join(", ")}` : ""})`;
        break;
      }
      case "rss": {
        // The threshold is set but this driver cannot measure memory (e.g. the lab is not root,
        // so bwrap has no cgroup): a fail that says why, not a silent pass that would let a
        // leaking service through, and not `error`, which would hide the other results.
        if (peak === null) {
          pass = false;
          message = `peak memory could not be measured: the lab's sandbox driver (${ctx.driver.name}) does not report it here; the limit is ${c.max} MB. Tell the lab's operator.`;
        } else {
          const mb = peak / (1024 * 1024);
          pass = mb <= c.max;
          message = `peak memory ${Math.round(mb)} MB ${pass ? "≤" : ">"} ${c.max} MB (the service's sandbox, from boot through the load)`;
        }
        break;
      }
      case "counter": {
        const got = report.counters.find((k) => k.url === c.url && k.field === c.field);
        if (!got || got.value === null) {
          pass = false;
          message = `${c.field} from GET ${c.url}: ${got?.problem ?? "not read"}`;
        } else {
          pass = got.value <= c.max;
          message = `${c.field} = ${got.value} ${pass ? "≤" : ">"} ${c.max} (GET ${c.url} after the load)`;
        }
        break;
      }
    }
    return {
      name: c.name,
      status: pass ? "pass" : "fail",
      message,
      output,
      task_id: null,
      category: step.category,
      points: pass ? points[i]! : 0,
      max_points: points[i]!,
      duration_ms: null,
    };
  });
  return { tests, message: null };
}

type Check = { name: string } & (
  | { kind: "p50" | "p99"; max: number }
  | { kind: "rps"; min: number }
  | { kind: "errors"; max: number }
  | { kind: "rss"; max: number }
  | { kind: "counter"; url: string; field: string; max: number }
);

/** One check per threshold, in a stable order: p50, p99, rps, error rate, memory, counters as listed. */
export function thresholdChecks(step: Step): Check[] {
  const th = step.thresholds;
  const route = `${step.method} ${step.path}`;
  const checks: Check[] = [];
  if (th.p50_ms !== undefined) checks.push({ name: `${route}: p50 latency`, kind: "p50", max: th.p50_ms });
  if (th.p99_ms !== undefined) checks.push({ name: `${route}: p99 latency`, kind: "p99", max: th.p99_ms });
  if (th.rps_min !== undefined) checks.push({ name: `${route}: throughput`, kind: "rps", min: th.rps_min });
  if (th.error_rate_max !== undefined)
    checks.push({ name: `${route}: error rate`, kind: "errors", max: th.error_rate_max });
  if (th.rss_mb_max !== undefined) checks.push({ name: `${route}: peak memory`, kind: "rss", max: th.rss_mb_max });
  for (const c of th.counters ?? [])
    checks.push({
      name: `${route}: ${c.field} from ${c.url}`,
      kind: "counter",
      url: c.url,
      field: c.field,
      max: c.max,
    });
  return checks;
}

/** Every test fails for one reason (time limit, the service died); the service's output comes back. */
function failAll(ctx: GradeContext<Step>, checks: Check[], reason: string, booted?: BootedService): StepOutcome {
  const logs = booted?.logs().trim() ?? "";
  const points = splitPoints(ctx.step.points, checks.length);
  return {
    message: truncate(
      [reason, logs && `Service output (end):\n${logs.slice(-1500)}`].filter(Boolean).join("\n\n"),
      MAX_MESSAGE,
    ),
    tests: checks.map((c, i) => ({
      name: c.name,
      status: "fail",
      message: truncate(reason, 500),
      output: logs ? truncate(`Service output (end):\n${logs.slice(-400)}`) : null,
      task_id: null,
      category: ctx.step.category,
      points: 0,
      max_points: points[i]!,
      duration_ms: null,
    })),
  };
}

function summaryText(step: Step, t: RunSummary, cal: RunSummary[], factor: number): string {
  const s = t.status;
  return [
    `${step.method} ${step.path}, ${step.connections} connections, ${t.duration_s} s: ${t.completed} responses (${Math.round(t.rps)}/s)`,
    `latency p50 ${ms(t.p50_ms)} ms, p99 ${ms(t.p99_ms)} ms, max ${ms(t.max_ms)} ms`,
    `2xx ${s["2xx"]}, 3xx ${s["3xx"]}, 4xx ${s["4xx"]}, 5xx ${s["5xx"]}, socket errors ${t.errors} (timeouts ${t.timeouts})`,
    `calibration ${cal.map((c) => Math.round(c.rps)).join(" and ")} req/s vs ${REFERENCE_CALIBRATION_RPS} idle: ×${factor.toFixed(1)}`,
  ].join("\n");
}

function readReport(file: string): LoadReport | null {
  try {
    // Written inside the sandbox: bounded, and only what parses.
    if (fs.statSync(file).size > 1024 * 1024) return null;
    return JSON.parse(fs.readFileSync(file, "utf8")) as LoadReport;
  } catch {
    return null;
  }
}

const seconds = (msValue: number) => (Math.round(msValue / 100) / 10).toString();
const ms = (v: number) => (v < 10 ? (Math.round(v * 10) / 10).toString() : Math.round(v).toString());
/** 0.25 → "25.0%", 0.005 → "0.5%", 0.0025 → "0.25%". */
const pct = (r: number) => `${(r * 100).toFixed(2).replace(/0$/, "")}%`;
