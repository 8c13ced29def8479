import { spawn as spawnChild, type ChildProcess } from "node:child_process";
import * as pty from "node-pty";
import type { ExitInfo, SandboxProcess } from "../../graders/sandbox/port.ts";
import { signalProgram } from "./util.ts";

type Hooks = {
  onResize?: (pid: number) => void;
  timeoutMs?: number;
  onExit?: () => void;
  /** How to signal the process; the bwrap driver signals the sandbox inside its launcher. */
  signal?: (pid: number, signal: NodeJS.Signals) => void;
  /** Finds the command's own process below the launcher (for SandboxProcess.signalProgram). */
  commandPid?: (pid: number) => number | null;
};

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Common bookkeeping: listeners, timeout, a single exit result. */
abstract class BaseProcess implements SandboxProcess {
  abstract readonly pid: number;
  protected listeners: ((chunk: Buffer, stream: "stdout" | "stderr") => void)[] = [];
  protected exited: Promise<ExitInfo>;
  protected resolveExit!: (info: ExitInfo) => void;
  protected timedOut = false;
  private done = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(protected hooks: Hooks) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  protected startTimer(): void {
    if (!this.hooks.timeoutMs) return;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.kill("SIGKILL");
    }, this.hooks.timeoutMs);
    this.timer.unref();
  }

  protected finish(code: number | null, signal: string | null): void {
    clearTimeout(this.timer);
    this.done = true;
    this.hooks.onExit?.();
    this.exit = { code, signal, timedOut: this.timedOut };
    this.resolveExit(this.exit);
  }

  private exit: ExitInfo | null = null;

  poll(): ExitInfo | null {
    return this.exit;
  }

  protected emit(chunk: Buffer, stream: "stdout" | "stderr"): void {
    for (const l of this.listeners) l(chunk, stream);
  }

  onData(listener: (chunk: Buffer, stream: "stdout" | "stderr") => void): void {
    this.listeners.push(listener);
  }

  wait(): Promise<ExitInfo> {
    return this.exited;
  }

  /** The host pid of argv's own process (below the driver's launcher); null once it has exited. */
  commandPid(): number | null {
    if (this.done) return null;
    return this.hooks.commandPid ? this.hooks.commandPid(this.pid) : this.pid;
  }

  signalProgram(signal: NodeJS.Signals): boolean {
    return signalProgram(this.commandPid(), signal);
  }

  abstract write(data: string | Uint8Array): void;
  abstract end(): void;
  abstract resize(cols: number, rows: number): void;
  abstract pause(): void;
  abstract resume(): void;
  abstract kill(signal?: NodeJS.Signals): void;
}

/** A process on a pseudo-terminal (the learner's shell). */
export class PtyProcess extends BaseProcess {
  readonly pid: number;
  private term: pty.IPty;
  private alive = true;

  constructor(
    file: string,
    args: string[],
    opts: { cols: number; rows: number; env: Record<string, string> },
    hooks: Hooks,
  ) {
    super(hooks);
    this.term = pty.spawn(file, args, {
      name: "xterm-256color",
      cols: opts.cols,
      rows: opts.rows,
      env: opts.env,
      encoding: null,
    } as pty.IPtyForkOptions);
    this.pid = this.term.pid;
    this.term.onData((d: string | Buffer) => this.emit(typeof d === "string" ? Buffer.from(d) : d, "stdout"));
    this.term.onExit(({ exitCode, signal }) => {
      this.alive = false;
      this.finish(exitCode, signal ? String(signal) : null);
    });
    this.startTimer();
  }

  write(data: string | Uint8Array): void {
    if (this.alive) this.term.write(typeof data === "string" ? data : Buffer.from(data));
  }

  end(): void {
    // A terminal has no stdin to close; EOF is the learner's Ctrl-D.
  }

  resize(cols: number, rows: number): void {
    if (!this.alive) return; // node-pty throws on resize after exit
    this.term.resize(cols, rows);
    this.hooks.onResize?.(this.pid);
  }

  pause(): void {
    if (this.alive) this.term.pause();
  }

  resume(): void {
    if (this.alive) this.term.resume();
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.alive) (this.hooks.signal ?? signalPid)(this.pid, signal);
  }
}

/** A process with pipes (graders, one-off commands). */
export class PipeProcess extends BaseProcess {
  readonly pid: number;
  private child: ChildProcess;

  constructor(file: string, args: string[], env: Record<string, string>, hooks: Hooks) {
    super(hooks);
    this.child = spawnChild(file, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    this.pid = this.child.pid ?? -1;
    this.child.stdout!.on("data", (d: Buffer) => this.emit(d, "stdout"));
    this.child.stderr!.on("data", (d: Buffer) => this.emit(d, "stderr"));
    this.child.stdin!.on("error", () => {}); // EPIPE when the process exits first
    this.child.on("error", () => this.finish(null, "spawn-error"));
    this.child.on("close", (code, signal) => this.finish(code, signal));
    this.startTimer();
  }

  write(data: string | Uint8Array): void {
    this.child.stdin?.write(data);
  }

  end(): void {
    this.child.stdin?.end();
  }

  resize(): void {}

  pause(): void {
    this.child.stdout?.pause();
    this.child.stderr?.pause();
  }

  resume(): void {
    this.child.stdout?.resume();
    this.child.stderr?.resume();
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.child.exitCode === null && this.child.signalCode === null)
      (this.hooks.signal ?? signalPid)(this.pid, signal);
  }
}
