import type { Sandbox, SandboxProcess } from "../../graders/sandbox/port.ts";

/** A bash prompt: the output ends in "$ " (bwrap's coloured PS1 and Debian's default both do). */
export const PROMPT = /\$ $/;
const KEEP = 8192;

/**
 * An interactive shell on a TTY exec, read as text: `until(re)` resolves when the output
 * received since the last `clear()` matches. Only the tail is kept; idle shells say little.
 */
export class Term {
  private buf = "";
  private exited = false;
  private waiters = new Set<{ re: RegExp; resolve: () => void; reject: (e: Error) => void }>();

  constructor(readonly proc: SandboxProcess) {
    proc.onData((chunk) => {
      this.buf = (this.buf + chunk.toString()).slice(-KEEP);
      for (const w of this.waiters) if (w.re.test(this.buf)) w.resolve();
    });
    void proc.wait().then(() => {
      this.exited = true;
      for (const w of this.waiters)
        w.reject(new Error(`the shell exited; last output: ${JSON.stringify(this.buf.slice(-200))}`));
    });
  }

  static open(sandbox: Sandbox): Term {
    return new Term(sandbox.exec(["/bin/bash", "-i"], { tty: true, cols: 120, rows: 30 }));
  }

  clear(): void {
    this.buf = "";
  }

  write(s: string): void {
    this.proc.write(s);
  }

  until(re: RegExp, timeoutMs = 20_000): Promise<void> {
    if (re.test(this.buf)) return Promise.resolve();
    if (this.exited) return Promise.reject(new Error("the shell has exited"));
    return new Promise<void>((resolve, reject) => {
      const w = {
        re,
        resolve: () => settle(() => resolve()),
        reject: (e: Error) => settle(() => reject(e)),
      };
      const timer = setTimeout(
        () =>
          w.reject(new Error(`no ${re} within ${timeoutMs} ms; last output: ${JSON.stringify(this.buf.slice(-200))}`)),
        timeoutMs,
      );
      const settle = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(w);
        f();
      };
      this.waiters.add(w);
    });
  }

  /** Types `echo ping-<n>` and returns ms until `ping-<n>` comes back on a line of its own; then waits for the prompt (untimed). */
  async ping(n: number, timeoutMs = 10_000): Promise<number> {
    await this.until(PROMPT, timeoutMs);
    this.clear();
    const t0 = performance.now();
    this.write(`echo ping-${n}\r`);
    await this.until(new RegExp(`(?:^|[\\r\\n])ping-${n}\\r?\\n`), timeoutMs);
    const ms = performance.now() - t0;
    await this.until(PROMPT, timeoutMs);
    return ms;
  }
}
