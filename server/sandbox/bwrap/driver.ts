import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createCgroup, detectCgroups, reapCgroups, type Cgroup, type CgroupVersion } from "../cgroups.ts";
import type {
  Availability,
  ExecOptions,
  MemoryUse,
  Sandbox,
  SandboxDriver,
  SandboxProcess,
  SandboxSpec,
} from "../../../graders/sandbox/port.ts";
import { SANDBOX_PATHS, sandboxEnv, SandboxError } from "../../../graders/sandbox/port.ts";
import { servicePath } from "../../../graders/services/port.ts";
import { PipeProcess, PtyProcess } from "../processes.ts";
import { childrenOf, descendants, findDescendant, shellQuote, which } from "../util.ts";
import { writeSandboxEtc } from "./etc.ts";

const SANDBOX_UID = 1000;
const BWRAP_STOP_GRACE_MS = 0;

export type BwrapOptions = {
  /** Folder for the lab's generated sandbox files (passwd, bashrc). */
  stateDir: string;
  /** runtime name → host folder whose node_modules the sandbox sees read-only. */
  runtimes: (runtime: string) => string;
  /** Prefix of this lab's cgroup names, so two labs on one machine never reap each other. */
  labId: string;
  /** backing service name → its prepared host folder, mounted read-only at /services/<name>. */
  services?: (name: string) => string;
};

/**
 * Sandboxes from bubblewrap: no daemon, ~50 ms to an isolated process. Every exec is one
 * bwrap invocation with all namespaces unshared (user, pid, net, ipc, uts, cgroup); the
 * processes of one sandbox share its cgroup and host uid. When bwrap's outer process dies,
 * the sandbox's pid 1 dies (--die-with-parent) and the kernel kills the whole pid namespace.
 */
export class BwrapDriver implements SandboxDriver {
  readonly name = "bwrap";
  /** A stop kills at once unless a caller asks for a grace (files stay either way). */
  readonly stopGraceMs = BWRAP_STOP_GRACE_MS;
  /** Sandboxes die with the lab (--die-with-parent); nothing is left to adopt. */
  readonly persistent = false;
  readonly backingServices = true;
  private cgroups: CgroupVersion | null | undefined;
  private etcDir: string | undefined;
  private readonly root = process.getuid?.() === 0;

  constructor(private opts: BwrapOptions) {}

  async available(): Promise<Availability> {
    const bwrap = which("bwrap");
    if (!bwrap) return { ok: false, reason: "bubblewrap is not installed", fix: "apt-get install -y bubblewrap" };
    try {
      execFileSync(
        bwrap,
        [
          "--unshare-all",
          "--ro-bind",
          "/usr",
          "/usr",
          "--symlink",
          "usr/bin",
          "/bin",
          "--symlink",
          "usr/lib",
          "/lib",
          "--symlink",
          "usr/lib64",
          "/lib64",
          "--",
          "/usr/bin/true",
        ],
        { stdio: "pipe", timeout: 10_000 },
      );
    } catch (err) {
      const msg = ((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim();
      return {
        ok: false,
        reason: `bubblewrap cannot create namespaces here: ${msg}`,
        fix: "enable unprivileged user namespaces (sysctl user.max_user_namespaces=10000) or run the lab as root",
      };
    }
    return { ok: true, details: { cgroups: this.cgroupVersion() ?? "none", perWorkspaceUid: this.root } };
  }

  /** Removes what a crashed previous run left behind (cgroups, network namespaces); nothing survives to keep. */
  async reap(): Promise<{ removed: number; kept: number }> {
    const v = this.cgroupVersion();
    return { removed: (v ? reapCgroups(v, `${this.opts.labId}.`) : 0) + this.reapNetworks(), kept: 0 };
  }

  identity(runtime: string): string {
    return `${this.name}:${path.basename(this.opts.runtimes(runtime))}`;
  }

  async prewarm(): Promise<void> {}

  async close(): Promise<void> {}

  cgroupVersion(): CgroupVersion | null {
    if (this.cgroups === undefined) this.cgroups = this.root ? detectCgroups() : null;
    return this.cgroups;
  }

  async create(spec: SandboxSpec): Promise<Sandbox> {
    if (!/^[\w.-]{1,80}$/.test(spec.name)) throw new SandboxError(`invalid sandbox name: ${spec.name}`);
    this.etcDir ??= writeSandboxEtc(path.join(this.opts.stateDir, "sandbox-etc"));
    const services = (spec.services ?? []).map((s) => ({
      source: this.serviceDir(s),
      target: servicePath(s),
      readonly: true,
    }));
    const net = this.network(spec);
    const version = this.cgroupVersion();
    const cgroup = version ? createCgroup(version, `${this.opts.labId}.${spec.name}`, spec.limits) : null;
    return new BwrapSandbox(
      { ...spec, mounts: [...(spec.mounts ?? []), ...services] },
      this.opts.runtimes(spec.runtime),
      this.etcDir,
      cgroup,
      this.root,
      net,
    );
  }

  private serviceDir(name: string): string {
    if (!this.opts.services) throw new SandboxError(`backing service "${name}" is not set up for this driver`);
    if (!this.root) throw new SandboxError("backing services need the lab to run as root on bwrap (a shared network)");
    return this.opts.services(name);
  }

  /**
   * As root, a sandbox gets a persistent network namespace (`ip netns`) with only loopback,
   * so all its processes share it and another sandbox can join it. Without root, every exec
   * gets a private one (and joining is not possible).
   */
  private network(spec: SandboxSpec): Network {
    if (spec.network !== "none") {
      if (!this.root) throw new SandboxError("sharing a sandbox's network needs the lab to run as root");
      return { path: spec.network.join.networkId, owned: null };
    }
    if (!this.root) return { path: null, owned: null };
    const name = `bl-${this.opts.labId}-${spec.name}`.slice(0, 200);
    execFileSync("ip", ["netns", "add", name], { stdio: "pipe" });
    execFileSync("ip", ["-n", name, "link", "set", "lo", "up"], { stdio: "pipe" });
    return { path: `/run/netns/${name}`, owned: name };
  }

  /** Network namespaces a crashed run of this lab left behind. */
  private reapNetworks(): number {
    let n = 0;
    if (!this.root || !fs.existsSync("/run/netns")) return 0;
    for (const name of fs.readdirSync("/run/netns")) {
      if (!name.startsWith(`bl-${this.opts.labId}-`)) continue;
      deleteNetns(name);
      n++;
    }
    return n;
  }
}

type Network = { path: string | null; owned: string | null };

function deleteNetns(name: string): void {
  try {
    execFileSync("ip", ["netns", "del", name], { stdio: "pipe" });
  } catch {
    // already gone
  }
}

class BwrapSandbox implements Sandbox {
  readonly name: string;
  private live = new Set<SandboxProcess>();
  private stopped = false;

  constructor(
    readonly spec: SandboxSpec,
    private runtimeDir: string,
    private etcDir: string,
    private cgroup: Cgroup | null,
    private switchUid: boolean,
    private net: Network,
  ) {
    this.name = spec.name;
  }

  get networkId(): string {
    if (!this.net.path) throw new SandboxError(`sandbox ${this.name} has no shareable network`);
    return this.net.path;
  }

  exec(argv: string[], options: ExecOptions = {}): SandboxProcess {
    if (this.stopped) throw new SandboxError(`sandbox ${this.name} is stopped`);
    if (argv.length === 0) throw new SandboxError("exec needs a command");
    const env = { ...sandboxEnv(options.tty ?? false), ...(this.spec.env ?? {}), ...(options.env ?? {}) };
    for (const k of Object.keys(env))
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new SandboxError(`invalid environment variable name: ${k}`);

    // With --new-session the sandbox has no controlling terminal (TIOCSTI cannot reach the
    // host's). An interactive shell still needs one: `script` makes a pty inside the sandbox.
    const inner = options.tty ? ["/usr/bin/script", "-qfec", shellQuote(argv), "/dev/null"] : argv;
    const [file, args] = this.launcher(this.bwrapArgs(env, options.cwd ?? SANDBOX_PATHS.workspace, inner));
    const hostEnv = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8" };
    const hooks = {
      timeoutMs: options.timeoutMs,
      onExit: () => this.live.delete(proc),
      signal: signalSandbox,
      commandPid,
    };
    let scriptPid: number | undefined;
    const proc: SandboxProcess = options.tty
      ? new PtyProcess(
          file,
          args,
          { cols: options.cols ?? 80, rows: options.rows ?? 24, env: hostEnv },
          {
            ...hooks,
            // `script` is not on the outer terminal's session, so the kernel sends it no
            // SIGWINCH; we do, and it copies the new size to the inner terminal.
            onResize: (pid) => {
              scriptPid ??= findDescendant(pid, "script");
              if (scriptPid) signal(scriptPid, "SIGWINCH");
            },
          },
        )
      : new PipeProcess(file, args, hostEnv, hooks);
    this.live.add(proc);
    return proc;
  }

  /** From the sandbox's cgroup; null without one (the lab does not run as root). */
  async memoryPeak(): Promise<number | null> {
    return this.stopped ? null : (this.cgroup?.memoryPeak() ?? null);
  }

  async memory(): Promise<MemoryUse | null> {
    return this.stopped ? null : (this.cgroup?.memory() ?? null);
  }

  async resetMemoryPeak(): Promise<boolean> {
    return !this.stopped && (this.cgroup?.resetMemoryPeak() ?? false);
  }

  async poll(): Promise<boolean> {
    return !this.stopped;
  }

  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const graceMs = opts.graceMs ?? BWRAP_STOP_GRACE_MS;
    const exited = Promise.all([...this.live].map((p) => p.wait()));
    if (graceMs > 0) {
      // The sandbox's init ignores SIGTERM (pid 1 without a handler): the processes it runs get it.
      for (const p of this.live) for (const pid of descendants(p.pid).slice(1)) signal(pid, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    for (const p of this.live) p.kill("SIGKILL");
    await exited;
    this.cgroup?.destroy();
    if (this.net.owned) deleteNetns(this.net.owned);
  }

  /**
   * sh joins the cgroup, nsenter enters the sandbox's network, prlimit sets rlimits, setpriv
   * drops to the workspace's uid, then bwrap.
   */
  private launcher(bwrapArgv: string[]): [string, string[]] {
    const l = this.spec.limits;
    const rlimits = [
      `--nproc=${l.pids}`,
      `--nofile=${l.openFiles}`,
      `--fsize=${l.fileSizeMb * 1024 * 1024}`,
      `--cpu=${l.cpuSeconds}`,
      "--core=0",
    ];
    const drop = this.switchUid
      ? ["setpriv", `--reuid=${this.spec.uid}`, `--regid=${this.spec.uid}`, "--clear-groups", "--"]
      : [];
    const join = 'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
    const net = this.net.path ? ["nsenter", `--net=${this.net.path}`, "--"] : [];
    return [
      "/bin/sh",
      [
        "-c",
        join,
        "sh",
        ...(this.cgroup?.procsFiles ?? []),
        "--",
        ...net,
        "prlimit",
        ...rlimits,
        "--",
        ...drop,
        "bwrap",
        ...bwrapArgv,
      ],
    ];
  }

  private bwrapArgs(env: Record<string, string>, cwd: string, inner: string[]): string[] {
    const a: string[] = [
      // Every namespace of its own; the network is the sandbox's (entered by nsenter) when
      // it has one, else a private one per exec.
      ...(this.net.path
        ? ["--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"]
        : ["--unshare-all"]),
      "--die-with-parent",
      "--new-session",
      "--cap-drop",
      "ALL",
      "--hostname",
      "backlab",
      "--uid",
      String(SANDBOX_UID),
      "--gid",
      String(SANDBOX_UID),
      "--ro-bind",
      "/usr",
      "/usr",
      "--symlink",
      "usr/bin",
      "/bin",
      "--symlink",
      "usr/sbin",
      "/sbin",
      "--symlink",
      "usr/lib",
      "/lib",
      "--symlink",
      "usr/lib64",
      "/lib64",
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      "--size",
      String(this.spec.limits.tmpMb * 1024 * 1024),
      "--tmpfs",
      "/tmp",
    ];
    for (const f of ["passwd", "group", "hosts", "hostname", "bash.bashrc", "nsswitch.conf"])
      a.push("--ro-bind", path.join(this.etcDir, f), `/etc/${f}`);
    for (const f of ["/etc/ld.so.cache", "/etc/localtime", "/etc/inputrc", "/etc/alternatives", "/etc/terminfo"])
      if (fs.existsSync(f)) a.push("--ro-bind", f, f);
    a.push("--ro-bind", path.join(this.runtimeDir, "node_modules"), SANDBOX_PATHS.nodeModules);
    a.push("--bind", this.spec.workspaceDir, SANDBOX_PATHS.workspace);
    for (const m of this.spec.mounts ?? []) a.push(m.readonly ? "--ro-bind" : "--bind", m.source, m.target);
    a.push("--remount-ro", "/", "--chdir", cwd, "--clearenv");
    for (const [k, v] of Object.entries(env)) a.push("--setenv", k, v);
    a.push("--", ...inner);
    return a;
  }
}

/**
 * Signals the sandbox's pid 1 (the launcher's child) rather than bwrap's outer process, so
 * bwrap is alive to reap it: killing the outer one first leaves the inner one a zombie of
 * the host's init. The kernel kills the rest of the pid namespace with its pid 1.
 */
function signalSandbox(launcher: number, sig: NodeJS.Signals): void {
  const inner = descendants(launcher);
  if (inner.length === 0) return signal(launcher, sig);
  for (const pid of inner.slice(0, 1)) signal(pid, sig);
}

/**
 * The launcher (bwrap's outer process) has one child, the sandbox's init (bwrap again, pid 1
 * inside); the init's child is the command itself.
 */
function commandPid(launcher: number): number | null {
  const [init] = childrenOf(launcher);
  return (init !== undefined && childrenOf(init)[0]) || null;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}
