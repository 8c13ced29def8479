import fs from "node:fs";
import path from "node:path";
import type { Sandbox, SandboxDriver, SandboxLimits } from "../../../graders/sandbox/port.ts";
import { buildDriver, type DriverName } from "../../drivers.ts";
import { runtimeDir, TEST_RUNTIME_DIR } from "../../setup/runtime.ts";

/**
 * One driver as the conformance suite sees it: built by the composition root, like the lab's,
 * plus what the suite needs to keep two drivers' runs apart on one host (uids, a subnet for the
 * egress test's own namespace) and the few answers that are the driver's own (its identity).
 * A new driver (Kubernetes, say) is held to the suite by one more entry in TARGETS.
 */
export type ConformanceTarget = {
  name: DriverName;
  /** First uid of this target's sandboxes; targets' ranges must not overlap. */
  uidBase: number;
  /** A /30 of 10.231.x.0 per target for the egress test's namespace (first three octets). */
  subnet: string;
  /** Whether its sandboxes outlive the lab's process (and are adopted by the next one). */
  persistent: boolean;
  /** What `identity("node20")` must say (results are signed with it). */
  identity: () => string | RegExp;
  /** Driver-specific evidence that a reap removed everything of `labId` (beyond poll()). */
  reapedAll?: (labId: string) => void;
};

export const TARGETS: readonly ConformanceTarget[] = [
  {
    name: "bwrap",
    uidBase: 280_000,
    subnet: "10.231.7",
    persistent: false,
    identity: () => `bwrap:${path.basename(runtimeDir(TEST_RUNTIME_DIR, "node20"))}`,
    // Nothing outlives a bwrap lab: its network namespaces go with its sandboxes.
    reapedAll: (labId) => {
      const left = fs.existsSync("/run/netns") ? fs.readdirSync("/run/netns").filter((f) => f.includes(labId)) : [];
      if (left.length) throw new Error(`network namespaces left after reap: ${left.join(", ")}`);
    },
  },
  {
    name: "docker",
    uidBase: 290_000,
    subnet: "10.231.8",
    persistent: true,
    identity: () => /^docker:backlab\/runtime-node20:[0-9a-f]{12}$/,
  },
];

export const LIMITS: SandboxLimits = {
  memoryMb: 256,
  pids: 96,
  cpuSeconds: 60,
  cpus: 0.5,
  fileSizeMb: 32,
  tmpMb: 16,
  openFiles: 512,
};

/** The driver of a target, built exactly as the lab builds it (runtimes installed when missing). */
export function openTarget(t: ConformanceTarget, stateDir: string, labId: string): Promise<SandboxDriver> {
  return buildDriver(t.name, { labId, stateDir, runtimeDir: TEST_RUNTIME_DIR, log: () => {}, installRuntimes: true });
}

/** Runs a shell script in a sandbox; its output (first 100 kB) and exit. */
export async function run(sb: Sandbox, script: string, timeoutMs = 20_000) {
  const p = sb.exec(["/bin/sh", "-c", script], { timeoutMs });
  p.end();
  let out = "";
  p.onData((c) => {
    if (out.length < 100_000) out += c.toString();
  });
  const exit = await p.wait();
  return { ...exit, out };
}

export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}
