/**
 * The sandbox port: the one thing the engine knows of sandboxes (DESIGN.md "SandboxDriver",
 * shaped like JupyterHub's Spawner). A driver creates sandboxes; a sandbox runs processes with
 * the workspace mounted at /workspace, the runtime's packages read-only at /node_modules, no
 * network but loopback, and the spec's limits. The lab's drivers (`server/sandbox/bwrap/`,
 * `server/sandbox/docker/`, Kubernetes later) implement it; only the lab's composition root
 * (`server/drivers.ts`) names one.
 */

export type SandboxLimits = {
  memoryMb: number;
  pids: number;
  /** CPU seconds per process (RLIMIT_CPU) — stops a spin that a wall clock would not. */
  cpuSeconds: number;
  /** CPU share of the whole sandbox, in cores. */
  cpus: number;
  fileSizeMb: number;
  tmpMb: number;
  openFiles: number;
};

export type Mount = { source: string; target: string; readonly: boolean };

export type SandboxSpec = {
  /** Unique among live sandboxes; names its cgroup. */
  name: string;
  runtime: string;
  /** Host folder mounted read-write at /workspace. */
  workspaceDir: string;
  /** Extra mounts, e.g. a grader's hidden tests (read-only). */
  mounts?: Mount[];
  limits: SandboxLimits;
  /** Host uid (and gid) the sandbox runs as, one per workspace so sandboxes cannot touch each other. */
  uid: number;
  /**
   * "none": a network of its own with only loopback. `{ join }`: the loopback of another
   * sandbox (a grader reaching the learner's service on 127.0.0.1), still nothing outside.
   * All processes of one sandbox share its network.
   */
  network: "none" | { join: Sandbox };
  /**
   * Backing services (graders/services/) whose prepared folder the sandbox sees read-only at
   * /services/<name>; the engine starts them in it (graders/services/start.ts).
   */
  services?: string[];
  /** Added to the environment of every process of the sandbox (a service's DATABASE_URL, say). */
  env?: Record<string, string>;
};

export type ExecOptions = {
  tty?: boolean;
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string>;
  /** Wall-clock limit; on expiry every process of this exec is killed and `timedOut` is set. */
  timeoutMs?: number;
};

export type ExitInfo = { code: number | null; signal: string | null; timedOut: boolean };

export interface SandboxProcess {
  readonly pid: number;
  /** Output chunks in order. With a TTY everything arrives as "stdout". */
  onData(listener: (chunk: Buffer, stream: "stdout" | "stderr") => void): void;
  write(data: string | Uint8Array): void;
  /** Closes stdin (non-TTY only). */
  end(): void;
  resize(cols: number, rows: number): void;
  /**
   * Stops reading the process's output: the kernel's buffer fills and the producer blocks
   * (terminal flow control). `resume()` reads on.
   */
  pause(): void;
  resume(): void;
  /** Signals every process of this exec (the command and all it started). */
  kill(signal?: NodeJS.Signals): void;
  /**
   * Signals only the program this exec runs: argv's own process, below the driver's launcher
   * and below the wrappers a start command goes through (`sh -c`, `npm`/`npx`, tsx's CLI,
   * which relay signals unfaithfully or not at all). False when it is not running or could
   * not be signalled (on bwrap and Docker the lab must run as root).
   */
  signalProgram(signal: NodeJS.Signals): boolean;
  /** Spawner's poll: how the exec ended, or null while it runs. */
  poll(): ExitInfo | null;
  wait(): Promise<ExitInfo>;
}

/** A sandbox's memory use (its cgroup: page cache included), in bytes. */
export type MemoryUse = { currentBytes: number; peakBytes: number | null };

export interface Sandbox {
  readonly name: string;
  readonly spec: SandboxSpec;
  /** The driver's handle on the sandbox's network, for `network: { join }`. */
  readonly networkId: string;
  exec(argv: string[], options?: ExecOptions): SandboxProcess;
  /** Spawner's poll: whether the sandbox can still run processes (false once stopped or gone). */
  poll(): Promise<boolean>;
  /**
   * Ends every process of the sandbox and releases its resources; files stay. Idempotent.
   * With escalation: SIGTERM first, SIGKILL after `graceMs` (default: the driver's
   * `stopGraceMs`; 0 kills at once).
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /**
   * The most memory the sandbox has used so far, in bytes (its cgroup's peak, page cache
   * included), or null when the driver cannot measure it here. Read it before `stop()`.
   */
  memoryPeak?(): Promise<number | null>;
  /**
   * Memory in use now and the most used since the sandbox started (or since the last
   * `resetMemoryPeak()`); null when the driver cannot measure it here.
   */
  memory?(): Promise<MemoryUse | null>;
  /** Starts a new peak window (the peak drops to the current use); false when not possible here. */
  resetMemoryPeak?(): Promise<boolean>;
}

export type Availability = { ok: true; details: Record<string, unknown> } | { ok: false; reason: string; fix: string };

export interface SandboxDriver {
  readonly name: string;
  /** How long `Sandbox.stop()` waits between SIGTERM and SIGKILL unless told otherwise. */
  readonly stopGraceMs: number;
  /**
   * Whether sandboxes outlive the lab's process. A persistent driver's workspace sandboxes
   * survive a crash of the lab (a clean stop stops them), and `create` with the same name
   * adopts the one still running instead of starting another.
   */
  readonly persistent: boolean;
  /**
   * Whether a spec may list backing services (`spec.services`); a driver without them refuses
   * such a spec, and the lab does not prepare services it could not start.
   */
  readonly backingServices?: boolean;
  available(): Promise<Availability>;
  /** Spawner's start: a running sandbox for the spec (or the adopted one of that name). */
  create(spec: SandboxSpec): Promise<Sandbox>;
  /**
   * What runs a runtime's sandboxes, as it is signed into every result (driver and image or
   * runtime folder), so a reviewer can tell which sandbox produced a grade.
   */
  identity(runtime: string): string;
  /**
   * At start (or to clean up): removes what this driver instance's lab left behind — except
   * sandboxes `keep` claims, which a persistent driver adopts on the next `create`.
   */
  reap(keep?: (name: string, running: boolean) => boolean): Promise<{ removed: number; kept: number }>;
  /** Gets sandboxes of a runtime ready ahead of demand (a warm pool); a no-op where there is none. */
  prewarm(runtime: string): Promise<void>;
  /** Releases what the driver itself holds (a warm pool); sandboxes are left as they are. */
  close(): Promise<void>;
}

/** How a caller that composes drivers hands one to the engine (authoring, the engine's tests). */
export type OpenDriver = (
  name: "bwrap" | "docker",
  opts: { labId: string; stateDir: string },
) => Promise<SandboxDriver>;

export class SandboxError extends Error {}

/** Where things are inside every sandbox, whatever the driver. */
export const SANDBOX_PATHS = { workspace: "/workspace", nodeModules: "/node_modules" } as const;

/** The environment every sandboxed process starts with (the exec's own env is added on top). */
export function sandboxEnv(tty: boolean): Record<string, string> {
  return {
    PATH: `${SANDBOX_PATHS.nodeModules}/.bin:/usr/local/bin:/usr/bin:/bin`,
    HOME: SANDBOX_PATHS.workspace,
    USER: "learner",
    LOGNAME: "learner",
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    HISTFILE: "/tmp/.bash_history",
    NO_UPDATE_NOTIFIER: "1",
    npm_config_update_notifier: "false",
    // npm's cache and debug logs (<cache>/_logs) are not the learner's files: /tmp, not HOME.
    npm_config_cache: "/tmp/.npm",
    ...(tty ? { TERM: "xterm-256color", COLORTERM: "truecolor" } : { TERM: "dumb", NO_COLOR: "1" }),
  };
}

/**
 * `driver.create(spec)` with a deadline: rejects with a SandboxError ("timed out: …") when it
 * has not settled within `ms`; a sandbox that still starts afterwards is stopped at once.
 */
export function createWithin(driver: SandboxDriver, spec: SandboxSpec, ms: number): Promise<Sandbox> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(
        new SandboxError(
          `timed out: the sandbox "${spec.name}" did not start within ${Math.max(1, Math.round(ms / 1000))} s`,
        ),
      );
    }, ms);
    driver.create(spec).then(
      (sandbox) => {
        clearTimeout(timer);
        if (late) void sandbox.stop().catch(() => {});
        else resolve(sandbox);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new SandboxError(String(err)));
      },
    );
  });
}
