import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { grade } from "../graders/run.ts";
import { ROOT_DIR } from "./config.ts";
import { loadExercise } from "./exercises/catalog.ts";
import { BwrapDriver } from "./sandbox/bwrap/driver.ts";
import type { SandboxLimits } from "./sandbox/driver.ts";
import { ensureRuntime, TEST_RUNTIME_DIR } from "./setup/runtime.ts";

const LIMITS: SandboxLimits = { memoryMb: 512, pids: 256, cpuSeconds: 120, cpus: 1, fileSizeMb: 64, tmpMb: 64, openFiles: 1024 };

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const round = (n: number) => Math.round(n * 10) / 10;

async function time(n: number, fn: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Benchmarks of the core loop, measured in one run on this machine: figures are medians
 * (and p90) so a noisy shared machine moves them less. Prints JSON, then a table.
 */
export async function runBenchmarks(): Promise<number> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-bench-"));
  fs.chmodSync(root, 0o711);
  try {
    const runtime = ensureRuntime(TEST_RUNTIME_DIR, "node20");
    const driver = new BwrapDriver({ stateDir: root, runtimes: () => runtime, labId: `bench${process.pid}` });
    const ok = await driver.available();
    if (!ok.ok) throw new Error(ok.reason);
    const ws = path.join(root, "ws");
    fs.mkdirSync(ws);
    fs.chownSync(ws, 270_000, 270_000);
    const sandbox = await driver.create({ name: "bench", runtime: "node20", workspaceDir: ws, limits: LIMITS, uid: 270_000, network: "none" });

    const execTrue = await time(20, async () => {
      const p = sandbox.exec(["/bin/true"]);
      p.end();
      await p.wait();
    });
    const nodeStart = await time(10, async () => {
      const p = sandbox.exec(["node", "-e", "0"]);
      p.end();
      await p.wait();
    });
    const prompt = await time(10, async () => {
      const p = sandbox.exec(["/bin/bash", "-i"], { tty: true });
      await new Promise<void>((resolve) => {
        let seen = "";
        p.onData((c) => {
          seen += c.toString();
          if (/\$ $/.test(seen)) resolve();
        });
      });
      p.kill();
      await p.wait();
    });
    await sandbox.stop();

    const exDir = path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket");
    const loaded = loadExercise(exDir, "code-patterns", "token-bucket");
    if ("problems" in loaded) throw new Error("token-bucket exercise is broken");
    let k = 0;
    const grading = await time(5, async () => {
      k++;
      const r = await grade({ exercise: loaded.exercise, submissionDir: path.join(exDir, "solution"), workDir: path.join(root, `g${k}`), driver, uid: 271_000 + k, name: `bench-g${k}` });
      if (r.status !== "pass") throw new Error(`reference solution did not pass: ${r.message}`);
    });

    const rows = [
      { metric: "sandbox exec of /bin/true", unit: "ms", p50: round(quantile(execTrue, 0.5)), p90: round(quantile(execTrue, 0.9)), n: execTrue.length },
      { metric: "node -e 0 in a sandbox", unit: "ms", p50: round(quantile(nodeStart, 0.5)), p90: round(quantile(nodeStart, 0.9)), n: nodeStart.length },
      { metric: "terminal: spawn to bash prompt", unit: "ms", p50: round(quantile(prompt, 0.5)), p90: round(quantile(prompt, 0.9)), n: prompt.length },
      { metric: "grade token-bucket solution (14 tests)", unit: "ms", p50: round(quantile(grading, 0.5)), p90: round(quantile(grading, 0.9)), n: grading.length },
    ];
    const report = { machine: { cpus: os.cpus().length, node: process.version, driver: driver.name, cgroups: driver.cgroupVersion() }, results: rows };
    process.stdout.write(JSON.stringify(report, null, 2) + "\n\n");
    const w = Math.max(...rows.map((r) => r.metric.length));
    process.stdout.write(`${"metric".padEnd(w)}  ${"p50".padStart(8)}  ${"p90".padStart(8)}  n\n`);
    for (const r of rows) process.stdout.write(`${r.metric.padEnd(w)}  ${`${r.p50} ${r.unit}`.padStart(8)}  ${`${r.p90} ${r.unit}`.padStart(8)}  ${r.n}\n`);
    return 0;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
