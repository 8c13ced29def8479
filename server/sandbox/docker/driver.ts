import fs from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { memoryCgroupOf, memoryMeter, type MemoryMeter } from "../cgroups.ts";
import type { Availability, ExecOptions, MemoryUse, Sandbox, SandboxDriver, SandboxLimits, SandboxProcess, SandboxSpec } from "../../../graders/sandbox/port.ts";
import { sandboxEnv, SandboxError } from "../../../graders/sandbox/port.ts";
import { DockerProcess, envList } from "./process.ts";
import { poolDir, releaseSlot, WarmPool } from "./pool.ts";

export const LABELS = { lab: "backlab.lab", sandbox: "backlab.sandbox", workspace: "backlab.workspace" } as const;

export type DockerOptions = {
  docker?: Docker;
  /** runtime name → image tag (content-tagged, built by `npm run images`). */
  images: (runtime: string) => string;
  /** Labels this lab's containers, so two labs on one engine never touch each other's. */
  labId: string;
  /** Folder for generated files the containers mount (passwd per uid). */
  stateDir: string;
  /** Seconds between SIGTERM and SIGKILL when a sandbox stops. */
  stopTimeoutSeconds?: number;
  /** Warm containers kept ready per runtime (0: none). Needs root (bind propagation). */
  poolSize?: number;
  /** Limits of warm containers until a workspace claims one (then its own apply). */
  poolLimits?: SandboxLimits;
};

/**
 * The hardened production driver: one container per sandbox, no network, read-only root,
 * the workspace the only writable bind, every capability dropped, no-new-privileges,
 * limits from the spec. Containers outlive a lab restart and are adopted again by name.
 */
export class DockerDriver implements SandboxDriver {
  readonly name = "docker";
  /** Containers outlive the lab and are adopted by name. */
  readonly persistent = true;
  /** The learner's processes get no SIGTERM unless a caller asks for a grace (as before the port had one). */
  readonly stopGraceMs: number;
  readonly docker: Docker;
  readonly pool: WarmPool | null;

  constructor(readonly opts: DockerOptions) {
    this.stopGraceMs = 0;
    this.docker = opts.docker ?? new Docker({ socketPath: "/var/run/docker.sock" });
    this.pool = (opts.poolSize ?? 0) > 0 && process.getuid?.() === 0 ? new WarmPool(this, opts.poolSize!, opts.poolLimits) : null;
  }

  async available(): Promise<Availability> {
    try {
      await withTimeout(this.docker.ping(), 2000);
      const v = await this.docker.version();
      return { ok: true, details: { engine: v.Version, api: v.ApiVersion } };
    } catch (err) {
      return { ok: false, reason: `the Docker engine does not answer: ${(err as Error).message}`, fix: "apt-get install -y docker.io && dockerd &" };
    }
  }

  /** This lab's containers, by sandbox name. */
  async list(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABELS.lab}=${this.opts.labId}`] } });
  }

  /**
   * Removes this lab's containers that `keep` does not claim (grading runs a crash cut
   * short, workspaces that no longer exist). Returns how many were removed.
   */
  async reap(keep: (name: string, running: boolean) => boolean = () => false): Promise<{ removed: number; kept: number }> {
    let removed = 0;
    const prefix = `/${this.containerName("")}`;
    for (const c of await this.list()) {
      // The name, not a label: a warm container is renamed when a workspace claims it.
      const name = (c.Names[0] ?? "").startsWith(prefix) ? c.Names[0]!.slice(prefix.length) : "";
      if (keep(name, c.State === "running")) continue;
      await this.removeContainer(c.Id);
      removed++;
    }
    const left = await this.list();
    this.pool?.sweep(new Set(left.flatMap((c) => c.Mounts.map((m) => m.Source))));
    return { removed, kept: left.length };
  }

  identity(runtime: string): string {
    return `docker:${this.opts.images(runtime)}`;
  }

  async prewarm(runtime: string): Promise<void> {
    await this.pool?.fill(runtime);
  }

  async close(): Promise<void> {
    this.pool?.close();
  }

  async create(spec: SandboxSpec): Promise<Sandbox> {
    if (!/^[\w.-]{1,80}$/.test(spec.name)) throw new SandboxError(`invalid sandbox name: ${spec.name}`);
    // The runtime images carry no PostgreSQL yet (issue 17's Docker half): say so, never half-start.
    if (spec.services?.length)
      throw new SandboxError(
        `backing services (${spec.services.join(", ")}) run on the bwrap driver only for now; set SANDBOX_DRIVER=bwrap`,
      );
    const containerName = this.containerName(spec.name);
    // A container from before a restart is adopted if it still runs; otherwise replaced.
    const [existing] = await this.docker.listContainers({ all: true, filters: { name: [`^/${containerName}$`] } });
    if (existing?.State === "running" && existing.Labels[LABELS.lab] === this.opts.labId) {
      return new DockerSandbox(this, this.docker.getContainer(existing.Id), spec);
    }
    if (existing) await this.removeContainer(existing.Id);

    // A workspace sandbox (no extra mounts) can come warm from the pool.
    const warm = spec.mounts?.length ? null : await this.pool?.claim(spec, containerName);
    if (warm) return new DockerSandbox(this, warm, spec);

    const etc = this.etcFor(spec.uid);
    const container = await this.docker.createContainer(
      this.containerConfig({
        name: containerName,
        runtime: spec.runtime,
        user: spec.uid,
        limits: spec.limits,
        labels: { [LABELS.sandbox]: spec.name, [LABELS.workspace]: spec.workspaceDir },
        network: spec.network,
        binds: [
          `${spec.workspaceDir}:/workspace:rw`,
          `${etc}/passwd:/etc/passwd:ro`,
          `${etc}/group:/etc/group:ro`,
          ...(spec.mounts ?? []).map((m) => `${m.source}:${m.target}:${m.readonly ? "ro" : "rw"}`),
        ],
      }),
    );
    await container.start();
    return new DockerSandbox(this, container, spec);
  }

  containerName(sandboxName: string): string {
    return `backlab-${this.opts.labId}-${sandboxName}`;
  }

  /** The hardened container every sandbox is: see the class comment. */
  containerConfig(c: {
    name: string;
    runtime: string;
    user: number;
    limits: SandboxLimits;
    labels: Record<string, string>;
    binds?: string[];
    mounts?: Docker.MountConfig;
    network?: SandboxSpec["network"];
  }): Docker.ContainerCreateOptions {
    const l = c.limits;
    const memory = l.memoryMb * 1024 * 1024;
    // Joining another container's network namespace: its loopback, still no outside network.
    const join = c.network && c.network !== "none" ? c.network.join.networkId : null;
    return {
      name: c.name,
      Image: this.opts.images(c.runtime),
      Cmd: ["sleep", "infinity"],
      User: `${c.user}:${c.user}`,
      WorkingDir: "/workspace",
      ...(join ? {} : { Hostname: "backlab" }),
      Env: envList(sandboxEnv(false)),
      Labels: { [LABELS.lab]: this.opts.labId, ...c.labels },
      NetworkDisabled: !join,
      HostConfig: {
        NetworkMode: join ? `container:${join}` : "none",
        ReadonlyRootfs: true,
        Binds: c.binds,
        Mounts: c.mounts,
        Tmpfs: { "/tmp": `rw,exec,nosuid,nodev,size=${l.tmpMb}m,mode=1777` },
        PidsLimit: l.pids,
        Memory: memory,
        // Equal to Memory: no swap on top of the limit.
        MemorySwap: memory,
        NanoCpus: Math.round(l.cpus * 1e9),
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        Ulimits: [
          { Name: "nofile", Soft: l.openFiles, Hard: l.openFiles },
          { Name: "fsize", Soft: l.fileSizeMb * 1024 * 1024, Hard: l.fileSizeMb * 1024 * 1024 },
          { Name: "cpu", Soft: l.cpuSeconds, Hard: l.cpuSeconds },
          { Name: "core", Soft: 0, Hard: 0 },
        ],
        // tini as pid 1: signals reach the sandbox and zombies are reaped.
        Init: true,
        IpcMode: "private",
        AutoRemove: false,
        // `kill -9 -1` inside ends `sleep infinity` and so the container; it comes back.
        RestartPolicy: { Name: "unless-stopped" },
      },
    };
  }

  /** Removes a container and releases the pool slot it may hold. */
  async removeContainer(id: string): Promise<void> {
    const container = this.docker.getContainer(id);
    const info = await container.inspect().catch(() => null);
    await container.remove({ force: true }).catch(() => {});
    // A container that came from the warm pool holds a slot, also when this lab did not fill it.
    const slot = info?.Mounts.find((m) => m.Destination === "/workspace")?.Source;
    if (slot?.startsWith(poolDir(this.opts.stateDir) + path.sep)) releaseSlot(slot);
  }

  /** A passwd and group naming the sandbox's uid `learner`, so tools that look it up work. */
  private etcFor(uid: number): string {
    const dir = path.join(this.opts.stateDir, "docker-etc", String(uid));
    if (!fs.existsSync(path.join(dir, "group"))) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      writeEtc(dir, uid);
    }
    return dir;
  }
}

/** Writes passwd and group in place (same inodes: a container that binds them sees the change). */
export function writeEtc(dir: string, uid: number): void {
  const write = (f: string, text: string) => {
    const fd = fs.openSync(path.join(dir, f), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o644);
    fs.writeSync(fd, text);
    fs.closeSync(fd);
  };
  write("passwd", `root:x:0:0:root:/root:/usr/sbin/nologin\nlearner:x:${uid}:${uid}:Backlab learner:/workspace:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
  write("group", `root:x:0:\nlearner:x:${uid}:\nnogroup:x:65534:\n`);
}

class DockerSandbox implements Sandbox {
  readonly name: string;

  get networkId(): string {
    return this.container.id;
  }
  private live = new Set<DockerProcess>();
  private stopped = false;

  constructor(
    private driver: DockerDriver,
    readonly container: Docker.Container,
    readonly spec: SandboxSpec,
  ) {
    this.name = spec.name;
  }

  exec(argv: string[], options: ExecOptions = {}): SandboxProcess {
    if (this.stopped) throw new SandboxError(`sandbox ${this.name} is stopped`);
    if (argv.length === 0) throw new SandboxError("exec needs a command");
    const env = { ...sandboxEnv(options.tty ?? false), ...(this.spec.env ?? {}), ...(options.env ?? {}) };
    for (const k of Object.keys(env)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new SandboxError(`invalid environment variable name: ${k}`);
    const proc = new DockerProcess(this.driver.docker, this.container, argv, { ...options, env, user: this.spec.uid }, () => this.live.delete(proc));
    this.live.add(proc);
    return proc;
  }

  /** The container's `memory_stats.max_usage`; engines on cgroup v2 do not report it (null). */
  async memoryPeak(): Promise<number | null> {
    if (this.stopped) return null;
    const stats = await this.container.stats({ stream: false, "one-shot": true }).catch(() => null);
    const peak = (stats?.memory_stats as { max_usage?: number } | undefined)?.max_usage;
    return typeof peak === "number" && peak > 0 ? peak : null;
  }

  /**
   * From the container's cgroup files on the host (found through its init's /proc entry),
   * which can also reset the peak; else the engine's stats (no peak on cgroup v2 engines).
   */
  async memory(): Promise<MemoryUse | null> {
    if (this.stopped) return null;
    const meter = await this.meter();
    const read = meter?.read();
    if (read) return read;
    const stats = await this.container.stats({ stream: false, "one-shot": true }).catch(() => null);
    const m = stats?.memory_stats as { usage?: number; max_usage?: number } | undefined;
    return typeof m?.usage === "number" ? { currentBytes: m.usage, peakBytes: typeof m.max_usage === "number" && m.max_usage > 0 ? m.max_usage : null } : null;
  }

  async resetMemoryPeak(): Promise<boolean> {
    return !this.stopped && ((await this.meter())?.resetPeak() ?? false);
  }

  private meterFor: { pid: number; meter: MemoryMeter | null } | null = null;

  private async meter(): Promise<MemoryMeter | null> {
    const pid = (await this.container.inspect().catch(() => null))?.State.Pid ?? 0;
    if (pid <= 0) return null;
    // A container that restarted (RestartPolicy) has a new init; its cgroup is the same, but look again.
    if (this.meterFor?.pid !== pid) {
      this.meterFor?.meter?.close();
      const cg = memoryCgroupOf(pid);
      this.meterFor = { pid, meter: cg ? memoryMeter(cg.version, cg.dir) : null };
    }
    return this.meterFor.meter;
  }

  async poll(): Promise<boolean> {
    if (this.stopped) return false;
    const info = await this.container.inspect().catch(() => null);
    // Restarting counts as alive: `kill -9 -1` inside ends sleep, and the container comes back.
    return info !== null && (info.State.Running || info.State.Restarting);
  }

  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.meterFor?.meter?.close();
    const graceMs = opts.graceMs ?? this.driver.stopGraceMs;
    if (graceMs > 0) {
      // Exec'd processes are not tini's children: it would not pass them the SIGTERM.
      for (const p of this.live) p.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all([...this.live].map((p) => p.wait())), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    // SIGTERM through tini (to the container's own `sleep`), SIGKILL after the timeout, then the container is gone.
    await this.container.stop({ t: this.driver.opts.stopTimeoutSeconds ?? 2 }).catch(() => {});
    await this.driver.removeContainer(this.container.id);
    for (const p of this.live) p.kill("SIGKILL");
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}
