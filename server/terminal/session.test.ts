import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import type { ExitInfo, SandboxProcess } from "../../graders/sandbox/port.ts";
import { Recorder } from "./recorder.ts";
import { ScreenHost } from "./screens.ts";
import { TerminalSession, type SessionEnd } from "./session.ts";

/** A shell whose output the test emits itself, recording pause/resume. */
class ScriptedShell {
  readonly pid = 1;
  paused = false;
  pauses = 0;
  private listener: (chunk: Buffer, stream: "stdout") => void = () => {};
  private exit = new Promise<ExitInfo>(() => {});
  onData(fn: (chunk: Buffer, stream: "stdout") => void) {
    this.listener = fn;
  }
  emit(data: string | Buffer) {
    this.listener(typeof data === "string" ? Buffer.from(data) : data, "stdout");
  }
  pause() {
    this.paused = true;
    this.pauses++;
  }
  resume() {
    this.paused = false;
  }
  write() {}
  end() {}
  resize() {}
  kill() {}
  signalProgram() {
    return false;
  }
  poll() {
    return null;
  }
  wait() {
    return this.exit;
  }
}

/** The part of a ws WebSocket a session uses, keeping what it is sent. */
function socket() {
  const sent: (string | Buffer)[] = [];
  const s = {
    readyState: 1,
    OPEN: 1,
    sent,
    send: (d: string | Buffer) => sent.push(d),
    on() {},
    close() {},
    terminate() {},
  };
  return s;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-session-"));
const screens = new ScreenHost();
afterAll(async () => {
  await screens.terminate();
  fs.rmSync(dir, { recursive: true, force: true });
});
const size = { cols: 80, rows: 24 };
const recorder = (name: string) => new Recorder(path.join(dir, `${name}.cast.gz`), { width: 80, height: 24 });
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("terminal session", () => {
  it("takes at most its share of an event-loop turn: a burst pauses the shell until the next turn", async () => {
    const shell = new ScriptedShell();
    const rec = recorder("burst");
    const session = new TerminalSession("burst", shell as unknown as SandboxProcess, rec, screens, size, () => {});
    const line = Buffer.from("flood-line\r\n".repeat(1365)); // 16 KB
    for (let i = 0; i < 3; i++) shell.emit(line);
    expect(shell.paused).toBe(false);
    for (let i = 0; i < 3; i++) shell.emit(line);
    // 96 KB in one turn: its share is used, the shell waits while the loop serves the others.
    expect(shell.paused).toBe(true);
    await turn();
    expect(shell.paused).toBe(false);
    session.close("done");
    await rec.close();
  });

  it("keeps the screen on the worker: a newcomer gets it exactly, and so does the end", async () => {
    const shell = new ScriptedShell();
    const rec = recorder("screen");
    let ended: SessionEnd | undefined;
    const session = new TerminalSession(
      "screen",
      shell as unknown as SandboxProcess,
      rec,
      screens,
      size,
      (end) => (ended = end),
      "from before\r\n",
    );
    shell.emit("\x1b[31mred\x1b[0m and plain\r\n$ ");
    const s = socket();
    session.attach(s as unknown as WebSocket, "owner");
    // The shell is held while the snapshot is taken.
    expect(shell.paused).toBe(true);
    await expect.poll(() => s.sent.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    const [ready, screen] = s.sent.map((m) => JSON.parse(String(m)) as { type: string; data?: string });
    expect(ready!.type).toBe("ready");
    expect(screen!.type).toBe("screen");
    expect(screen!.data).toBe("from before\r\n\x1b[31mred\x1b[0m and plain\r\n$ ");
    expect(shell.paused).toBe(false);
    shell.emit("after\r\n");
    session.close("the test ended it");
    expect(ended?.reason).toBe("the test ended it");
    expect(await ended!.screen).toContain("and plain\r\n$ after");
    await rec.close();
  });

  it("sends a newcomer what the shell wrote while its snapshot was being made, after the snapshot", async () => {
    const shell = new ScriptedShell();
    const rec = recorder("joining");
    const session = new TerminalSession("joining", shell as unknown as SandboxProcess, rec, screens, size, () => {});
    const s = socket();
    session.attach(s as unknown as WebSocket, "owner");
    // A fresh shell's first prompt, read just after the snapshot was asked for (pausing the
    // shell cannot take back what was already read): it was lost before.
    // (16 KB: a full batch, flushed at once, before the worker answers.)
    const burst = "A".repeat(16 * 1024) + "learner@backlab:~$ ";
    shell.emit(burst);
    await expect.poll(() => s.sent.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(String(s.sent[1])) as { type: string }).toMatchObject({ type: "screen" });
    const shown = JSON.parse(String(s.sent[1])).data + s.sent.slice(2).map(String).join("");
    expect(shown).toBe(burst);
    session.close("done");
    await rec.close();
  });
});
