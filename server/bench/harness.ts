import fs from "node:fs";
import path from "node:path";
import { BwrapDriver } from "../sandbox/bwrap/driver.ts";
import { DockerDriver } from "../sandbox/docker/driver.ts";
import type { Sandbox, SandboxDriver, SandboxLimits, SandboxSpec } from "../../graders/sandbox/port.ts";
import { ensureDocker } from "../setup/docker.ts";
import { ensureImages } from "../setup/images.ts";
import { ensureRuntime, TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { ensureService } from "../setup/services.ts";
import { mapLimit } from "./stats.ts";

export const LIMITS: SandboxLimits = {
  memoryMb: 256,
  pids: 128,
  cpuSeconds: 600,
  cpus: 1,
  fileSizeMb: 64,
  tmpMb: 16,
  openFiles: 1024,
};

/**
 * Host uids of bench sandboxes. Above the lab's ranges (workspaces 200 000+, grading runs
 * 600 000–899 999, tests 260 000–295 999), so a bench next to a running lab or a test run
 * never shares a uid with one of their sandboxes.
 */
export const BENCH_UID_BASE = 910_000;

export type DriverKind = "bwrap" | "docker";

/**
 * Memory of one sandbox in bytes: what its cgroup is charged, that without page cache, and
 * (Docker) the PSS of its containerd-shim, a host process per container outside the cgroup.
 */
export type MemorySample = { usage: number; withoutCache: number; outside?: number };

/** One bench run: a temp root (0711), a run id for lab ids and names, a uid counter. */
export class BenchRun {
  readonly root: string;
  readonly id: string;
  private uid = BENCH_UID_BASE;
  private readonly harnesses = new Set<Harness<SandboxDriver>>();
  private closing: Promise<void> | undefined;

  constructor(tmp: string) {
    this.root = fs.mkdtempSync(path.join(tmp, "backlab-bench-"));
    fs.chmodSync(this.root, 0o711);
    // Traversable, not listable: a sandbox uid reaches its own workspace only.
    fs.mkdirSync(path.join(this.root, "ws"), { mode: 0o711 });
    this.id = `bench${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  }

  /** A fresh uid with its own workspace folder (a plain folder owned by that uid). */
  workspace(): { uid: number; dir: string } {
    const uid = ++this.uid;
    const dir = path.join(this.root, "ws", String(uid));
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chownSync(dir, uid, uid);
    return { uid, dir };
  }

  async bwrap(): Promise<Harness<BwrapDriver>> {
    const runtime = ensureRuntime(TEST_RUNTIME_DIR, "node20");
    const labId = `${this.id}b`;
    const services = (name: string) => ensureService(TEST_RUNTIME_DIR, name);
    const driver = new BwrapDriver({ stateDir: this.stateDir("bwrap"), runtimes: () => runtime, labId, services });
    const memory = (sb: Sandbox) => Promise.resolve(cgroupMemory(`${labId}.${sb.name}`));
    return this.harness("bwrap", driver, memory, async () => void driver.reap());
  }

  async docker(poolSize = 0): Promise<Harness<DockerDriver>> {
    await ensureDocker(() => {});
    const images = await ensureImages({
      runtimesRoot: TEST_RUNTIME_DIR,
      log: (m) => process.stderr.write(`bench: ${m}\n`),
    });
    const tag = poolSize > 0 ? "p" : "d";
    const driver = new DockerDriver({
      images: (r) => images[r]!,
      labId: `${this.id}${tag}`,
      stateDir: this.stateDir(`docker-${tag}`),
      poolSize,
      poolLimits: LIMITS,
    });
    if (poolSize > 0 && !driver.pool) throw new Error("the Docker warm pool needs root");
    const memory = (sb: Sandbox) => containerMemory(driver, sb);
    return this.harness("docker", driver, memory, async () => {
      await driver.reap();
      driver.pool?.close();
    });
  }

  /** Closes every harness still open (also on Ctrl-C), then removes the temp root. Once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const h of [...this.harnesses])
        await h
          .close()
          .catch((err: unknown) => process.stderr.write(`bench: cleanup of ${h.kind}: ${(err as Error).message}\n`));
      fs.rmSync(this.root, { recursive: true, force: true });
    })();
    return this.closing;
  }

  private stateDir(name: string): string {
    const dir = path.join(this.root, "state", name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  private async harness<D extends SandboxDriver>(
    kind: DriverKind,
    driver: D,
    memory: (sb: Sandbox) => Promise<MemorySample>,
    cleanup: () => Promise<void>,
  ): Promise<Harness<D>> {
    const ok = await driver.available();
    if (!ok.ok) throw new Error(`${kind}: ${ok.reason} (fix: ${ok.fix})`);
    const h = new Harness(kind, driver, ok.details, this, memory, async () => {
      await cleanup();
      this.harnesses.delete(h);
    });
    this.harnesses.add(h);
    return h;
  }
}

/** A driver plus the sandboxes the bench made with it, so all of them are stopped in the end. */
export class Harness<D extends SandboxDriver = SandboxDriver> {
  private live = new Set<Sandbox>();
  private n = 0;

  constructor(
    readonly kind: DriverKind,
    readonly driver: D,
    /** What `available()` said (engine version, cgroups…). */
    readonly details: Record<string, unknown>,
    private run: BenchRun,
    readonly memory: (sb: Sandbox) => Promise<MemorySample>,
    private cleanup: () => Promise<void>,
  ) {}

  /** A spec with a unique name, its own uid and workspace, the bench limits. */
  spec(prefix: string): SandboxSpec {
    const { uid, dir } = this.run.workspace();
    return {
      name: `${prefix}-${++this.n}`,
      runtime: "node20",
      workspaceDir: dir,
      limits: LIMITS,
      uid,
      network: "none",
    };
  }

  uid(): number {
    return this.run.workspace().uid;
  }

  scratch(name: string): string {
    return path.join(this.run.root, "scratch", this.kind, name);
  }

  async create(spec: SandboxSpec): Promise<Sandbox> {
    const sb = await this.driver.create(spec);
    this.live.add(sb);
    return sb;
  }

  async stop(sb: Sandbox): Promise<void> {
    this.live.delete(sb);
    await sb.stop();
  }

  async stopAll(sandboxes: Iterable<Sandbox> = [...this.live]): Promise<void> {
    await mapLimit([...sandboxes], 4, (sb) => this.stop(sb).catch(() => {}));
  }

  async close(): Promise<void> {
    await this.stopAll();
    await this.cleanup();
  }
}

const CGROUP_ROOT = "/sys/fs/cgroup";

/** The bwrap driver's cgroup `backlab/<labId>.<sandbox>`, v1 (memory controller) or v2. */
function cgroupMemory(name: string): MemorySample {
  const v1 = path.join(CGROUP_ROOT, "memory", "backlab", name);
  if (fs.existsSync(v1)) {
    const usage = Number(fs.readFileSync(path.join(v1, "memory.usage_in_bytes"), "utf8"));
    const stat = memoryStat(path.join(v1, "memory.stat"));
    return { usage, withoutCache: usage - (stat.total_cache ?? stat.cache ?? 0) };
  }
  const v2 = path.join(CGROUP_ROOT, "backlab", name);
  const usage = Number(fs.readFileSync(path.join(v2, "memory.current"), "utf8"));
  const stat = memoryStat(path.join(v2, "memory.stat"));
  return { usage, withoutCache: usage - (stat.file ?? 0) };
}

function memoryStat(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const [k, v] = line.split(" ");
    if (k && v) out[k] = Number(v);
  }
  return out;
}

/** Docker's own figure (what `docker stats` shows): usage minus page cache (v1) or inactive file pages (v2). */
async function containerMemory(driver: DockerDriver, sb: Sandbox): Promise<MemorySample> {
  const container = driver.docker.getContainer(driver.containerName(sb.name));
  const [stats, info] = await Promise.all([container.stats({ stream: false, "one-shot": true }), container.inspect()]);
  const usage = stats.memory_stats.usage ?? 0;
  const s = (stats.memory_stats.stats ?? {}) as Record<string, number | undefined>;
  const shim = shimPid(info.Id);
  return { usage, withoutCache: usage - (s.cache ?? s.inactive_file ?? 0), ...(shim ? { outside: pss(shim) } : {}) };
}

/** The containerd-shim serving a container (`containerd-shim-runc-v2 … -id <id> …`). */
function shimPid(containerId: string): number | undefined {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv[0]?.includes("containerd-shim") && argv[argv.indexOf("-id") + 1] === containerId) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

/** Proportional set size: private pages plus a fair share of pages shared with other processes. */
function pss(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}
