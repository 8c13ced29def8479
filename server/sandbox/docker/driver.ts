import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { memoryCgroupOf, memoryMeter, type MemoryMeter } from "../cgroups.ts";
import type { Availability, ExecOptions, ExitInfo, MemoryUse, Sandbox, SandboxDriver, SandboxLimits, SandboxProcess, SandboxSpec } from "../../../graders/sandbox/port.ts";
import { sandboxEnv, SandboxError } from "../../../graders/sandbox/port.ts";
import { descendants } from "../util.ts";
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
  readonly docker: Docker;
  readonly pool: WarmPool | null;

  constructor(readonly opts: DockerOptions) {
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
  async reap(keep: (name: string, running: boolean) => boolean = () => false): Promise<number> {
    let removed = 0;
    const prefix = `/${this.containerName("")}`;
    for (const c of await this.list()) {
      // The name, not a label: a warm container is renamed when a workspace claims it.
      const name = (c.Names[0] ?? "").startsWith(prefix) ? c.Names[0]!.slice(prefix.length) : "";
      if (keep(name, c.State === "running")) continue;
      await this.removeContainer(c.Id);
      removed++;
    }
    this.pool?.sweep(new Set((await this.list()).flatMap((c) => c.Mounts.map((m) => m.Source))));
    return removed;
  }

  async create(spec: SandboxSpec): Promise<Sandbox> {
    if (!/^[\w.-]{1,80}$/.test(spec.name)) throw new SandboxError(`invalid sandbox name: ${spec.name}`);
    const containerName = this.containerName(spec.name);
    // A container from before a restart is adopted if it still runs; otherwise replaced.
    const [existing] = await this.docker.listContainers({ all: true, filters: { name: [`^/${containerName}$`] } });
    if (existing?.State === "running" && existing.Labels[LABELS.lab] === this.opts.labId) {
      return new DockerSandbox(this, this.docker.getContainer(existing.Id), spec, this.opts.stopTimeoutSeconds ?? 2);
    }
    if (existing) await this.removeContainer(existing.Id);

    // A workspace sandbox (no extra mounts) can come warm from the pool.
    const warm = spec.mounts?.length ? null : await this.pool?.claim(spec, containerName);
    if (warm) return new DockerSandbox(this, warm, spec, this.opts.stopTimeoutSeconds ?? 2);

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
    return new DockerSandbox(this, container, spec, this.opts.stopTimeoutSeconds ?? 2);
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
    private stopTimeout: number,
  ) {
    this.name = spec.name;
  }

  exec(argv: string[], options: ExecOptions = {}): SandboxProcess {
    if (this.stopped) throw new SandboxError(`sandbox ${this.name} is stopped`);
    if (argv.length === 0) throw new SandboxError("exec needs a command");
    const env = { ...sandboxEnv(options.tty ?? false), ...(options.env ?? {}) };
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

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.meterFor?.meter?.close();
    // SIGTERM through tini, SIGKILL after the timeout, then the container is gone.
    await this.container.stop({ t: this.stopTimeout }).catch(() => {});
    await this.driver.removeContainer(this.container.id);
    for (const p of this.live) p.kill("SIGKILL");
  }
}

class DockerProcess implements SandboxProcess {
  pid = -1;
  private listeners: ((chunk: Buffer, stream: "stdout" | "stderr") => void)[] = [];
  private pending: (() => void)[] = [];
  private stream: NodeJS.ReadWriteStream | undefined;
  private exec: Docker.Exec | undefined;
  private done: Promise<ExitInfo>;
  private timedOut = false;
  private finished = false;

  constructor(
    docker: Docker,
    container: Docker.Container,
    argv: string[],
    private options: ExecOptions & { env: Record<string, string>; user: number },
    onExit: () => void,
  ) {
    this.done = this.start(docker, container, argv).finally(onExit);
  }

  private async start(docker: Docker, container: Docker.Container, argv: string[]): Promise<ExitInfo> {
    const tty = this.options.tty ?? false;
    let timer: NodeJS.Timeout | undefined;
    try {
      let stream: NodeJS.ReadWriteStream & { destroy(): void };
      for (let attempt = 0; ; attempt++) {
        await ensureRunning(container);
        try {
          this.exec = await container.exec({ Cmd: argv, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: tty, Env: envList(this.options.env), WorkingDir: this.options.cwd ?? "/workspace", User: `${this.options.user}:${this.options.user}` });
          stream = (await this.exec.start({ hijack: true, stdin: true, Tty: tty })) as typeof stream;
          break;
        } catch (err) {
          // 409: the container stopped between the check and the exec (it is restarting).
          if ((err as { statusCode?: number }).statusCode !== 409 || attempt >= 3) throw err;
        }
      }
      this.stream = stream;
      // Listen for the end now: a short-lived process's stream can end during the awaits below.
      const ended = new Promise<void>((resolve) => {
        stream.once("end", () => resolve());
        stream.once("close", () => resolve());
        stream.once("error", () => resolve());
      });
      if (this.options.timeoutMs) {
        timer = setTimeout(() => {
          this.timedOut = true;
          this.kill("SIGKILL");
        }, this.options.timeoutMs);
      }
      if (tty) {
        stream.on("data", (d: Buffer) => this.emit(d, "stdout"));
        // Exec's ConsoleSize is ignored at API 1.41: size the terminal right after start.
        await this.exec.resize({ h: this.options.rows ?? 24, w: this.options.cols ?? 80 }).catch(() => {});
      } else {
        const out = new PassThrough();
        const err = new PassThrough();
        out.on("data", (d: Buffer) => this.emit(d, "stdout"));
        err.on("data", (d: Buffer) => this.emit(d, "stderr"));
        docker.modem.demuxStream(stream, out, err);
      }
      // The exec's host pid appears a moment after start.
      for (let i = 0; i < 40 && this.pid <= 0; i++) {
        const info = await this.exec.inspect();
        if (info.Pid > 0) this.pid = info.Pid;
        else if (!info.Running && info.ExitCode !== null) break;
        else await new Promise((r) => setTimeout(r, 25));
      }
      for (const f of this.pending.splice(0)) f();
      // The stream ends when the process does, except when stdin is still open: then only
      // the exec's state says so. Whichever comes first; trailing output gets a moment.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearInterval(poll);
          resolve();
        };
        const poll: NodeJS.Timeout = setInterval(() => {
          void this.exec!.inspect().then(
            (i) => i.Running || setTimeout(done, 100),
            () => done(),
          );
        }, 250);
        void ended.then(done);
      });
      stream.destroy();
      const final = await this.exec.inspect();
      return { code: final.ExitCode ?? null, signal: null, timedOut: this.timedOut };
    } catch (err) {
      if (this.timedOut) return { code: null, signal: "SIGKILL", timedOut: true };
      this.emit(Buffer.from(`backlab: ${(err as Error).message}\n`), "stderr");
      return { code: null, signal: "exec-error", timedOut: false };
    } finally {
      clearTimeout(timer);
      this.finished = true;
    }
  }

  private whenStarted(f: () => void): void {
    if (this.pid > 0 || this.finished) f();
    else this.pending.push(f);
  }

  private emit(chunk: Buffer, stream: "stdout" | "stderr"): void {
    for (const l of this.listeners) l(chunk, stream);
  }

  onData(listener: (chunk: Buffer, stream: "stdout" | "stderr") => void): void {
    this.listeners.push(listener);
  }

  write(data: string | Uint8Array): void {
    this.whenStarted(() => this.stream?.write(typeof data === "string" ? data : Buffer.from(data)));
  }

  end(): void {
    this.whenStarted(() => this.stream?.end());
  }

  resize(cols: number, rows: number): void {
    this.whenStarted(() => void this.exec?.resize({ h: rows, w: cols }).catch(() => {}));
  }

  pause(): void {
    this.whenStarted(() => this.stream?.pause());
  }

  resume(): void {
    this.whenStarted(() => this.stream?.resume());
  }

  /** Signals the exec'd process and everything it started (host pids; the lab runs as root). */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.whenStarted(() => {
      if (this.pid <= 0 || this.finished) return;
      for (const pid of [...descendants(this.pid), this.pid]) {
        try {
          process.kill(pid, signal);
        } catch {
          // gone
        }
      }
    });
  }

  wait(): Promise<ExitInfo> {
    return this.done;
  }

  /** The exec's own host pid: Docker starts the command itself, no launcher in between. */
  commandPid(): number | null {
    return this.pid > 0 && !this.finished ? this.pid : null;
  }
}


/** Waits out a restart (see RestartPolicy) or starts a container that stopped. */
async function ensureRunning(container: Docker.Container): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { State } = await container.inspect();
    if (State.Running && !State.Restarting) return;
    if (!State.Restarting) await container.start().catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new SandboxError("the sandbox's container does not come up");
}

const envList = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`);

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}
