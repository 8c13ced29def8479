import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { ExecOptions, ExitInfo, SandboxProcess } from "../../../graders/sandbox/port.ts";
import { SandboxError } from "../../../graders/sandbox/port.ts";
import { descendants, signalProgram } from "../util.ts";

/** One exec in a container, through the Docker API; its host pids are signalled directly. */
export class DockerProcess implements SandboxProcess {
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
    this.done = this.start(docker, container, argv)
      .then((exit) => (this.exit = exit))
      .finally(onExit);
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

  private exit: ExitInfo | null = null;

  poll(): ExitInfo | null {
    return this.exit;
  }

  signalProgram(signal: NodeJS.Signals): boolean {
    return signalProgram(this.commandPid(), signal);
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

export const envList = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`);
