import fs from "node:fs";
import path from "node:path";
import type { MemoryUse, SandboxLimits } from "../../graders/sandbox/port.ts";

/**
 * Per-sandbox cgroups (memory, pids, cpu) on cgroup v1 or v2, when the lab runs as root.
 * The launcher writes its own pid into `procsFiles` before exec'ing bubblewrap, so every
 * process of the sandbox is accounted and limited together.
 */
export type CgroupVersion = "v1" | "v2";

export type Cgroup = {
  procsFiles: string[];
  /** Pids still in the cgroup (host pid namespace). */
  pids(): number[];
  /** Peak memory use in bytes (v2 `memory.peak`, v1 `memory.max_usage_in_bytes`); null if unreadable. */
  memoryPeak(): number | null;
  /** Current and peak use, the peak since the last `resetMemoryPeak()`. */
  memory(): MemoryUse | null;
  resetMemoryPeak(): boolean;
  destroy(): void;
};

const ROOT = "/sys/fs/cgroup";
const V1_CONTROLLERS = ["memory", "pids", "cpu"] as const;
const PERIOD_US = 100_000;

export function detectCgroups(root = ROOT): CgroupVersion | null {
  try {
    if (fs.existsSync(path.join(root, "cgroup.controllers"))) {
      const parent = path.join(root, "backlab");
      fs.mkdirSync(parent, { recursive: true });
      enableV2Controllers(root);
      enableV2Controllers(parent);
      return "v2";
    }
    for (const c of V1_CONTROLLERS) fs.mkdirSync(path.join(root, c, "backlab"), { recursive: true });
    return "v1";
  } catch {
    return null;
  }
}

function enableV2Controllers(dir: string): void {
  fs.writeFileSync(path.join(dir, "cgroup.subtree_control"), "+memory +pids +cpu");
}

export function createCgroup(version: CgroupVersion, name: string, limits: SandboxLimits, root = ROOT): Cgroup {
  const mem = limits.memoryMb * 1024 * 1024;
  const quota = Math.max(1000, Math.round(limits.cpus * PERIOD_US));
  if (version === "v2") {
    const dir = path.join(root, "backlab", name);
    fs.mkdirSync(dir, { recursive: true });
    write(dir, "memory.max", String(mem));
    write(dir, "memory.swap.max", "0", true);
    write(dir, "pids.max", String(limits.pids));
    write(dir, "cpu.max", `${quota} ${PERIOD_US}`);
    const procs = path.join(dir, "cgroup.procs");
    const meter = memoryMeter("v2", dir);
    return {
      procsFiles: [procs],
      pids: () => readPids(procs),
      memoryPeak: () => readNumber(path.join(dir, "memory.peak")),
      ...meterMethods(meter),
      destroy: () => {
        meter.close();
        destroy([dir], () => readPids(procs));
      },
    };
  }
  const dirs = V1_CONTROLLERS.map((c) => path.join(root, c, "backlab", name));
  for (const d of dirs) fs.mkdirSync(d, { recursive: true });
  const [memDir, pidsDir, cpuDir] = dirs as [string, string, string];
  write(memDir, "memory.limit_in_bytes", String(mem));
  // Without swap accounting (memsw) the kernel may swap past the limit; with it, swap is capped too.
  write(memDir, "memory.memsw.limit_in_bytes", String(mem), true);
  write(pidsDir, "pids.max", String(limits.pids));
  write(cpuDir, "cpu.cfs_period_us", String(PERIOD_US));
  write(cpuDir, "cpu.cfs_quota_us", String(quota));
  const procsFiles = dirs.map((d) => path.join(d, "cgroup.procs"));
  const pids = () => readPids(path.join(pidsDir, "cgroup.procs"));
  const meter = memoryMeter("v1", memDir);
  return {
    procsFiles,
    pids,
    memoryPeak: () => readNumber(path.join(memDir, "memory.max_usage_in_bytes")),
    ...meterMethods(meter),
    destroy: () => {
      meter.close();
      destroy(dirs, pids);
    },
  };
}

const meterMethods = (m: MemoryMeter) => ({ memory: () => m.read(), resetMemoryPeak: () => m.resetPeak() });

/** Reads one cgroup's memory use; used for bwrap's own cgroups and for Docker's containers. */
export type MemoryMeter = { read(): MemoryUse | null; resetPeak(): boolean; close(): void };

/**
 * v1: `memory.usage_in_bytes` and `memory.max_usage_in_bytes` (writing 0 resets the peak).
 * v2: `memory.current` and `memory.peak`, whose reset (Linux 6.12+) holds only for reads
 * through the file descriptor that wrote it, so the meter keeps one open.
 */
export function memoryMeter(version: CgroupVersion, dir: string): MemoryMeter {
  if (version === "v1") {
    return {
      read: () => {
        const current = readNumber(path.join(dir, "memory.usage_in_bytes"));
        return current === null
          ? null
          : { currentBytes: current, peakBytes: readNumber(path.join(dir, "memory.max_usage_in_bytes")) };
      },
      resetPeak: () => {
        try {
          fs.writeFileSync(path.join(dir, "memory.max_usage_in_bytes"), "0");
          return true;
        } catch {
          return false;
        }
      },
      close: () => {},
    };
  }
  let fd: number | null = null;
  const peakFd = (): number | null => {
    try {
      fd ??= fs.openSync(path.join(dir, "memory.peak"), fs.constants.O_RDWR);
    } catch {
      fd = null;
    }
    return fd;
  };
  return {
    read: () => {
      const current = readNumber(path.join(dir, "memory.current"));
      if (current === null) return null;
      let peak: number | null = null;
      const f = peakFd();
      if (f !== null) {
        try {
          const buf = Buffer.alloc(32);
          const n = Number(
            buf
              .subarray(0, fs.readSync(f, buf, 0, 32, 0))
              .toString()
              .trim(),
          );
          peak = Number.isFinite(n) ? n : null;
        } catch {
          peak = null;
        }
      }
      return { currentBytes: current, peakBytes: peak ?? readNumber(path.join(dir, "memory.peak")) };
    },
    resetPeak: () => {
      const f = peakFd();
      if (f === null) return false;
      try {
        fs.writeSync(f, "reset\n", 0);
        return true;
      } catch {
        return false;
      }
    },
    close: () => {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}

/**
 * The memory cgroup folder of a host process (a container's init, say), from
 * /proc/<pid>/cgroup: v1's `memory` hierarchy when mounted, else the v2 one.
 */
export function memoryCgroupOf(pid: number, root = ROOT): { version: CgroupVersion; dir: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    const [, controllers, rel] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (rel === undefined) continue;
    if (controllers!.split(",").includes("memory")) {
      const dir = path.join(root, "memory", rel);
      if (fs.existsSync(path.join(dir, "memory.usage_in_bytes"))) return { version: "v1", dir };
    }
    if (controllers === "") {
      const dir = path.join(root, rel);
      if (fs.existsSync(path.join(dir, "memory.current"))) return { version: "v2", dir };
    }
  }
  return null;
}

function write(dir: string, file: string, value: string, optional = false): void {
  try {
    fs.writeFileSync(path.join(dir, file), value);
  } catch (err) {
    if (!optional) throw err;
  }
}

/** A cgroup file holding one number (memory.peak needs Linux 5.19; older kernels: null). */
function readNumber(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function readPids(procs: string): number[] {
  try {
    return fs.readFileSync(procs, "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Kills what is left, then removes the cgroup directories (a cgroup with members cannot be removed). */
function destroy(dirs: string[], pids: () => number[]): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    const left = pids();
    if (left.length === 0) break;
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  for (const d of dirs) {
    try {
      fs.rmdirSync(d);
    } catch {
      // still busy or already gone; the reaper at start removes leftovers
    }
  }
}

/**
 * Removes cgroups a previous run of this lab left behind (crash, kill -9). Only names with
 * this lab's prefix: another lab on the same machine (a test run, say) keeps its own.
 */
export function reapCgroups(version: CgroupVersion, prefix: string, root = ROOT): number {
  const parents =
    version === "v2" ? [path.join(root, "backlab")] : V1_CONTROLLERS.map((c) => path.join(root, c, "backlab"));
  let reaped = 0;
  for (const parent of parents) {
    let names: string[] = [];
    try {
      names = fs
        .readdirSync(parent, { withFileTypes: true })
        .filter((d) => d.isDirectory() && d.name.startsWith(prefix))
        .map((d) => d.name);
    } catch {
      continue;
    }
    for (const n of names) {
      const dir = path.join(parent, n);
      destroy([dir], () => readPids(path.join(dir, "cgroup.procs")));
      reaped++;
    }
  }
  return reaped;
}
