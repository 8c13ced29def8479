/**
 * Test doubles for the SandboxDriver interface, like JupyterHub's MockSpawner, SlowSpawner,
 * NeverSpawner and BadSpawner (jupyterhub/tests/mocking.py). They run nothing real: a fake
 * process answers a few scripted commands, so tests of the lab's own behaviour (gateway,
 * grading queue, sandbox sharing) are hermetic and fast. Every call is recorded in `calls`.
 *
 * Scripted commands (argv[0], or `sh -c "…"`/`bash -c "…"` split on spaces):
 *   echo ARGS   prints ARGS          true / false   exit 0 / 1
 *   pwd         prints the cwd       sleep N        exits 0 after N seconds (pipes only)
 *   cat         copies stdin to stdout until end() (pipes only)
 *   anything else: "NAME: command not found" on stderr, exit 127.
 * A TTY exec of a shell (`bash`/`sh` without `-c`) is a fake interactive shell: it prints a
 * `$ ` prompt, echoes input like a terminal, runs the commands above line by line, answers
 * `stty size` with the last size it was given, and ends on `exit [N]` or Ctrl-D.
 */
import type {
  Availability,
  ExecOptions,
  ExitInfo,
  Sandbox,
  SandboxDriver,
  SandboxProcess,
  SandboxSpec,
} from "./port.ts";
import { SandboxError } from "./port.ts";

export type DriverCall =
  | { op: "create"; name: string; spec: SandboxSpec }
  | { op: "exec"; sandbox: string; pid: number; argv: string[]; options: ExecOptions }
  | { op: "resize"; sandbox: string; pid: number; cols: number; rows: number }
  | { op: "kill"; sandbox: string; pid: number; signal: NodeJS.Signals }
  | { op: "stop"; sandbox: string };

/** What a created sandbox's exec does: run the script, throw, or start a process that segfaults. */
type ExecBehaviour = "script" | "throw" | "crash";

type Listener = (chunk: Buffer, stream: "stdout" | "stderr") => void;

let nextPid = 40_000;

/**
 * Instant, hermetic sandboxes (JupyterHub's MockSpawner). Enforces the interface's contract
 * that names are unique among live sandboxes, so a caller creating one twice fails loudly.
 */
export class FakeDriver implements SandboxDriver {
  readonly name: string = "fake";
  readonly stopGraceMs = 0;
  readonly persistent = false;
  /** Every create/exec/resize/kill/stop, in order. */
  readonly calls: DriverCall[] = [];
  protected live = new Set<string>();

  constructor(
    protected behaviour: ExecBehaviour = "script",
    protected createDelayMs = 0,
  ) {}

  async available(): Promise<Availability> {
    return { ok: true, details: { driver: this.name } };
  }

  identity(runtime: string): string {
    return `${this.name}:${runtime}`;
  }

  async reap(): Promise<{ removed: number; kept: number }> {
    return { removed: 0, kept: 0 };
  }

  async prewarm(): Promise<void> {}

  async close(): Promise<void> {}

  async create(spec: SandboxSpec): Promise<Sandbox> {
    this.calls.push({ op: "create", name: spec.name, spec });
    if (this.live.has(spec.name)) throw new SandboxError(`a sandbox named "${spec.name}" is already running`);
    this.live.add(spec.name);
    if (this.createDelayMs) await new Promise((r) => setTimeout(r, this.createDelayMs));
    return new FakeSandbox(spec, this.behaviour, this.calls, () => this.live.delete(spec.name));
  }

  /** The recorded calls of one kind. */
  ops<O extends DriverCall["op"]>(op: O): Extract<DriverCall, { op: O }>[] {
    return this.calls.filter((c): c is Extract<DriverCall, { op: O }> => c.op === op);
  }
}

/** A FakeDriver whose `create` takes `delayMs` (JupyterHub's SlowSpawner): callers must wait, not fail. */
export class SlowDriver extends FakeDriver {
  override readonly name = "slow";

  constructor(readonly delayMs = 1500) {
    super("script", delayMs);
  }
}

/** `create` returns a promise that never settles (NeverSpawner): callers must time out, not hang. */
export class NeverDriver extends FakeDriver {
  override readonly name = "never";

  override create(spec: SandboxSpec): Promise<Sandbox> {
    this.calls.push({ op: "create", name: spec.name, spec });
    return new Promise<Sandbox>(() => {});
  }
}

/**
 * A broken driver (BadSpawner). Mode `create` (default): `available()` says why and how to
 * fix it, and `create` rejects with a SandboxError. Modes that fail only once a sandbox
 * exists (`available()` says ok, as a driver that breaks at run time would):
 * `exec-throws` — `exec` throws a SandboxError; `crash` — every process prints
 * "Segmentation fault" and exits with code 139 at once.
 */
export class BadDriver extends FakeDriver {
  override readonly name = "bad";

  constructor(
    readonly mode: "create" | "exec-throws" | "crash" = "create",
    readonly reason = "the fake sandbox runtime is broken",
  ) {
    super(mode === "exec-throws" ? "throw" : mode === "crash" ? "crash" : "script");
  }

  override async available(): Promise<Availability> {
    if (this.mode !== "create") return super.available();
    return { ok: false, reason: this.reason, fix: "replace the bad driver with a working one (this is a test double)" };
  }

  override async create(spec: SandboxSpec): Promise<Sandbox> {
    if (this.mode !== "create") return super.create(spec);
    this.calls.push({ op: "create", name: spec.name, spec });
    throw new SandboxError(`cannot create sandbox "${spec.name}": ${this.reason}`);
  }
}

class FakeSandbox implements Sandbox {
  get networkId(): string {
    return `fake-net-${this.name}`;
  }

  private procs = new Set<FakeProcess>();
  private stopped = false;

  constructor(
    readonly spec: SandboxSpec,
    private behaviour: ExecBehaviour,
    private calls: DriverCall[],
    private onStop: () => void,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  exec(argv: string[], options: ExecOptions = {}): SandboxProcess {
    if (this.stopped) throw new SandboxError(`sandbox "${this.name}" is stopped`);
    if (this.behaviour === "throw") {
      this.calls.push({ op: "exec", sandbox: this.name, pid: -1, argv, options });
      throw new SandboxError(`sandbox "${this.name}" cannot start processes`);
    }
    const proc = new FakeProcess(argv, options, this.behaviour === "crash", (call) =>
      this.calls.push({ ...call, sandbox: this.name }),
    );
    this.calls.push({ op: "exec", sandbox: this.name, pid: proc.pid, argv, options });
    this.procs.add(proc);
    void proc.wait().then(() => this.procs.delete(proc));
    return proc;
  }

  async memoryPeak(): Promise<number | null> {
    return null;
  }

  async poll(): Promise<boolean> {
    return !this.stopped;
  }

  async stop(): Promise<void> {
    this.calls.push({ op: "stop", sandbox: this.name });
    if (this.stopped) return;
    this.stopped = true;
    for (const p of this.procs) p.kill("SIGKILL");
    this.onStop();
  }
}

type ProcCall =
  { op: "resize"; pid: number; cols: number; rows: number } | { op: "kill"; pid: number; signal: NodeJS.Signals };

class FakeProcess implements SandboxProcess {
  readonly pid = nextPid++;
  private listeners: Listener[] = [];
  private exit: Promise<ExitInfo>;
  private resolveExit!: (info: ExitInfo) => void;
  private done = false;
  private timedOut = false;
  private timers: NodeJS.Timeout[] = [];
  private tty: boolean;
  private shell: boolean;
  private cols: number;
  private rows: number;
  private line = "";
  private stdin: "none" | "cat" = "none";
  /** Input written before the process "started" (a real pipe or terminal buffers it). */
  private pending: string[] | null = [];
  private eof = false;
  private paused = false;
  private held: [Buffer, "stdout" | "stderr"][] = [];

  constructor(
    argv: string[],
    private options: ExecOptions,
    crash: boolean,
    private record: (call: ProcCall) => void,
  ) {
    this.exit = new Promise((resolve) => (this.resolveExit = resolve));
    this.tty = options.tty ?? false;
    this.cols = options.cols ?? 80;
    this.rows = options.rows ?? 24;
    const base = (argv[0] ?? "").split("/").pop() ?? "";
    const isShell = base === "bash" || base === "sh";
    this.shell = this.tty && isShell && !argv.includes("-c");
    const command =
      isShell && argv.includes("-c") ? (argv[argv.indexOf("-c") + 1] ?? "").split(/\s+/).filter(Boolean) : argv;
    if (options.timeoutMs) {
      const t = setTimeout(() => {
        this.timedOut = true;
        this.kill("SIGKILL");
      }, options.timeoutMs);
      t.unref();
      this.timers.push(t);
    }
    // Like a real child, output starts after exec returns, once listeners are attached.
    setImmediate(() => {
      const early = this.pending ?? [];
      this.pending = null;
      if (this.done) return;
      if (crash) {
        this.out("Segmentation fault (core dumped)\n", "stderr");
        this.finish(139, null);
      } else if (this.shell) this.out("$ ");
      else this.start(command);
      for (const text of early) this.write(text);
      if (this.eof) this.end();
    });
  }

  onData(listener: Listener): void {
    this.listeners.push(listener);
  }

  write(data: string | Uint8Array): void {
    if (this.done) return;
    const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    if (this.pending) this.pending.push(text);
    else if (this.shell) {
      for (const ch of text) this.key(ch);
    } else if (this.stdin === "cat") this.out(text);
  }

  end(): void {
    this.eof = true;
    if (!this.done && !this.pending && this.stdin === "cat") this.finish(0, null);
  }

  resize(cols: number, rows: number): void {
    if (this.done) return;
    this.cols = cols;
    this.rows = rows;
    this.record({ op: "resize", pid: this.pid, cols, rows });
  }

  /** Output is held while paused, like a pipe nobody reads, and delivered on resume. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const [chunk, s] of this.held.splice(0)) for (const l of this.listeners) l(chunk, s);
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.done) return;
    this.record({ op: "kill", pid: this.pid, signal });
    this.finish(null, signal);
  }

  wait(): Promise<ExitInfo> {
    return this.exit;
  }

  /** A non-interactive command. */
  private start(argv: string[]): void {
    const [cmd = "", ...args] = argv;
    if (cmd === "sleep") {
      this.timers.push(setTimeout(() => this.finish(0, null), Number(args[0] ?? 0) * 1000));
      return;
    }
    if (cmd === "cat" && !this.tty) {
      this.stdin = "cat";
      return;
    }
    this.finish(this.run(cmd, args), null);
  }

  /** Runs a synchronous scripted command, printing its output; returns its exit code. */
  private run(cmd: string, args: string[]): number {
    switch (cmd) {
      case "echo":
        this.out(`${args.join(" ")}\n`);
        return 0;
      case "pwd":
        this.out(`${this.options.cwd ?? "/workspace"}\n`);
        return 0;
      case "true":
        return 0;
      case "false":
        return 1;
      case "":
        return 0;
      default:
        this.out(`${cmd}: command not found\n`, "stderr");
        return 127;
    }
  }

  /** One keystroke to the fake interactive shell. */
  private key(ch: string): void {
    if (ch === "\r" || ch === "\n") {
      this.out("\n");
      const [cmd = "", ...args] = this.line.trim().split(/\s+/);
      this.line = "";
      if (cmd === "exit") return this.finish(Number(args[0] ?? 0) || 0, null);
      if (cmd === "stty" && args[0] === "size") this.out(`${this.rows} ${this.cols}\n`);
      else this.run(cmd, args);
      this.out("$ ");
    } else if (ch === "\x04") {
      if (this.line === "") this.finish(0, null);
    } else if (ch === "\x7f") {
      if (this.line) {
        this.line = this.line.slice(0, -1);
        this.out("\b \b");
      }
    } else {
      this.line += ch;
      this.out(ch);
    }
  }

  private out(text: string, stream: "stdout" | "stderr" = "stdout"): void {
    // A terminal turns "\n" into "\r\n" and has only one stream.
    const chunk = Buffer.from(this.tty ? text.replace(/\n/g, "\r\n") : text);
    const s = this.tty ? "stdout" : stream;
    if (this.paused) this.held.push([chunk, s]);
    else for (const l of this.listeners) l(chunk, s);
  }

  private finish(code: number | null, signal: string | null): void {
    if (this.done) return;
    this.done = true;
    for (const t of this.timers) clearTimeout(t);
    this.ended = { code, signal, timedOut: this.timedOut };
    this.resolveExit(this.ended);
  }

  private ended: ExitInfo | null = null;

  poll(): ExitInfo | null {
    return this.ended;
  }

  /** A fake process has no wrappers: the program is the process itself. */
  signalProgram(signal: NodeJS.Signals): boolean {
    if (this.done) return false;
    this.kill(signal);
    return true;
  }
}
