import type { RawData, WebSocket } from "ws";
import type { SandboxProcess } from "../../graders/sandbox/port.ts";
import type { Recorder } from "./recorder.ts";
import type { ScreenHost } from "./screens.ts";
import {
  ClientMessage,
  CLOSE,
  HIGH_WATERMARK,
  LOW_WATERMARK,
  type ServerMessage,
  type TerminalRole,
} from "./protocol.ts";

/** Output is batched for this long (or up to BATCH_BYTES) unless it answers a keystroke. */
const BATCH_MS = 4;
const BATCH_BYTES = 16 * 1024;
/** Output this soon after input is an echo: it goes out at once. */
const ECHO_WINDOW_MS = 25;
/**
 * The screen model's own watermarks (bytes sent to the screen worker, not yet parsed): they
 * bound what a flood queues there ahead of other sessions' output, and the worker's memory.
 * Above what the worker gathers for a digest (screen.worker.ts) by a margin: at 1 MB a shell
 * paused there after Ctrl-C waited for a digest to be parsed (the prompt 60-100 ms late).
 */
const SCREEN_HIGH = 2 * 1024 * 1024;
const SCREEN_LOW = 1024 * 1024;
/**
 * Fairness: one session handles at most this much output per turn of the event loop, then
 * its shell waits for the next turn, so a flood takes its share and no more while other
 * sessions' echoes, the API and the gradings' progress are served in between.
 */
const TURN_BYTES = 64 * 1024;
/** The recording's watermarks (text not yet taken by the compressor). */
const RECORDING_HIGH = 1024 * 1024;
const RECORDING_LOW = 256 * 1024;
/** Scrollback kept on the server and sent on reattach. */
export const SCROLLBACK_LINES = 2000;

type Client = {
  socket: WebSocket;
  role: TerminalRole;
  unacked: number;
  warnedReadOnly: boolean;
  /** While joining: output flushed after its snapshot was asked for (the snapshot lacks it). */
  backlog?: Buffer[];
};

export type SessionEnd = {
  code: number | null;
  reason: string;
  /** The screen and scrollback at the end ("" if it could not be taken). */ screen: Promise<string>;
};

/**
 * One shell in a workspace's sandbox, shared by every socket attached to it. A headless
 * xterm on the screen worker (screens.ts) keeps the screen so a reconnect (reload, second
 * tab, network blip) gets it back exactly; output is batched, echoes are not; flow control
 * pauses the shell while any client (or the screen model) is too far behind; each session
 * gets a bounded share of every event-loop turn; everything is recorded.
 */
export class TerminalSession {
  readonly startedAt = Date.now();
  lastActivity = Date.now();
  private clients = new Set<Client>();
  /** Sockets waiting for their snapshot. */
  private joining = new Set<Client>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private lastInputAt = 0;
  private screenBehind = 0;
  private turnBytes = 0;
  private yielding = false;
  private flowPaused = false;
  private attaching = 0;
  private paused = false;
  private ended: { end: SessionEnd; closeCode: number } | null = null;
  cols: number;
  rows: number;

  constructor(
    readonly id: string,
    private shell: SandboxProcess,
    private recorder: Recorder,
    private screens: ScreenHost,
    size: { cols: number; rows: number },
    private onEnd: (end: SessionEnd) => void,
    /** Shown before the shell's first output (the screen of a session the lab ended, and why). */
    preface?: string,
  ) {
    this.cols = size.cols;
    this.rows = size.rows;
    screens.open(
      id,
      { ...size, scrollback: SCROLLBACK_LINES },
      (bytes) => {
        this.screenBehind = Math.max(0, this.screenBehind - bytes);
        this.applyPause();
      },
      preface,
    );
    recorder.onDrain(() => this.applyPause());
    shell.onData((chunk) => this.output(chunk));
    void shell.wait().then((exit) => {
      // Output can trail the exit (and may be held by flow control): drain it, then end.
      shell.resume();
      setTimeout(() => this.end({ code: exit.code, reason: "the shell exited" }, CLOSE.normal), 50);
    });
  }

  get attached(): number {
    return this.clients.size;
  }

  /** Adds a socket: `ready`, then the screen as it is now, then live output. */
  attach(socket: WebSocket, role: TerminalRole): void {
    const client: Client = { socket, role, unacked: 0, warnedReadOnly: false, backlog: [] };
    if (this.ended) return this.tellEnded(client);
    // Everything before this point goes to the clients already here; the newcomer gets it
    // as part of the snapshot. Output is held until the screen model has parsed it all.
    this.flush();
    this.attaching++;
    this.joining.add(client);
    this.applyPause();
    void this.screens.serialize(this.id, SCROLLBACK_LINES).then((screen) => {
      this.attaching--;
      // Ended meanwhile: end() told it how (tellEnded) when it took it out of `joining`.
      if (!this.joining.delete(client)) return;
      if (this.ended || socket.readyState !== socket.OPEN) return this.applyPause();
      this.send(client, { type: "ready", session: this.id, role, cols: this.cols, rows: this.rows });
      this.send(client, { type: "screen", data: screen });
      // What arrived while the worker made the snapshot follows it, in order: nothing is lost
      // (a fresh shell's first prompt often comes just then).
      for (const data of client.backlog ?? []) {
        socket.send(data, { binary: true });
        client.unacked += data.length;
      }
      client.backlog = undefined;
      this.clients.add(client);
      this.applyPause();
    });
    socket.on("message", (data, isBinary) => this.message(client, data, isBinary));
    socket.on("close", () => {
      this.clients.delete(client);
      // A client that leaves no longer holds the shell back.
      this.applyPause();
    });
    socket.on("error", () => socket.terminate());
  }

  /** Ends the session: the shell is killed, sockets are closed with the reason and code. */
  close(reason: string, code: number = CLOSE.ended): void {
    this.end({ code: null, reason }, code);
    this.shell.kill("SIGKILL");
  }

  /** For a socket that arrives (or was still joining) when the session ended: how it ended. */
  private tellEnded(client: Client): void {
    const { end, closeCode } = this.ended!;
    void end.screen.then((screen) => {
      this.send(client, { type: "ready", session: this.id, role: client.role, cols: this.cols, rows: this.rows });
      this.send(client, { type: "screen", data: screen });
      if (closeCode === CLOSE.normal) this.send(client, { type: "exit", code: end.code });
      client.socket.close(closeCode, end.reason.slice(0, 120));
    });
  }

  private message(client: Client, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      if (client.role !== "owner") {
        // The server enforces read-only; the client's badge is only a courtesy.
        if (!client.warnedReadOnly)
          this.send(client, { type: "error", message: "This terminal is read-only for you." });
        client.warnedReadOnly = true;
        return;
      }
      this.lastInputAt = Date.now();
      this.lastActivity = this.lastInputAt;
      this.shell.write(toBuffer(data));
      return;
    }
    let msg: ClientMessage;
    try {
      msg = ClientMessage.parse(JSON.parse(toBuffer(data).toString("utf8")));
    } catch {
      client.socket.close(CLOSE.policy, "malformed control message");
      return;
    }
    switch (msg.type) {
      case "resize":
        if (client.role !== "owner") return;
        this.cols = msg.cols;
        this.rows = msg.rows;
        this.shell.resize(msg.cols, msg.rows);
        // In order with the output already sent to the screen model.
        this.flush();
        this.screens.resize(this.id, msg.cols, msg.rows);
        this.recorder.resize(msg.cols, msg.rows);
        return;
      case "ack":
        client.unacked = Math.max(0, client.unacked - msg.bytes);
        this.applyPause();
        return;
      case "ping":
        this.send(client, { type: "pong", t: msg.t });
    }
  }

  /** Per chunk only bookkeeping: the bytes are handled a batch at a time (flush). */
  private output(chunk: Buffer): void {
    if (this.ended) return;
    const now = Date.now();
    this.lastActivity = now;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.turnBytes += chunk.length;
    if (this.pendingBytes >= BATCH_BYTES || now - this.lastInputAt < ECHO_WINDOW_MS) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
    if (this.turnBytes >= TURN_BYTES && !this.yielding) {
      // Its share of this turn is used: the shell waits while the loop serves the others.
      this.yielding = true;
      setImmediate(() => {
        this.yielding = false;
        this.turnBytes = 0;
        this.applyPause();
      });
    }
    this.applyPause();
  }

  /** Sends the batch to every client, to the screen model and to the recording. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    for (const c of this.clients) {
      if (c.socket.readyState !== c.socket.OPEN) continue;
      c.socket.send(data, { binary: true });
      c.unacked += data.length;
    }
    for (const c of this.joining) c.backlog?.push(data);
    this.screenBehind += data.length;
    this.screens.write(this.id, data);
    this.recorder.output(data);
  }

  /**
   * Pauses the shell while a client, the screen model or the recording is past its high
   * watermark (or a newcomer's snapshot is being taken, or the session used its share of
   * this loop turn), resumes below the low one.
   */
  private applyPause(): void {
    if (this.ended) return;
    let behind = 0;
    for (const c of this.clients) behind = Math.max(behind, c.unacked);
    const recording = this.recorder.backlog;
    const over = behind > HIGH_WATERMARK || this.screenBehind > SCREEN_HIGH || recording > RECORDING_HIGH;
    const under = behind < LOW_WATERMARK && this.screenBehind < SCREEN_LOW && recording < RECORDING_LOW;
    if (!this.flowPaused && over) this.flowPaused = true;
    else if (this.flowPaused && under) this.flowPaused = false;
    const pause = this.flowPaused || this.attaching > 0 || this.yielding;
    if (pause !== this.paused) {
      this.paused = pause;
      if (pause) this.shell.pause();
      else this.shell.resume();
    }
  }

  private end(end: Omit<SessionEnd, "screen">, closeCode: number): void {
    if (this.ended) return;
    this.flush();
    const screen = this.screens.serialize(this.id, SCROLLBACK_LINES);
    this.screens.close(this.id);
    this.ended = { end: { ...end, screen }, closeCode };
    clearTimeout(this.flushTimer);
    for (const c of this.clients) {
      if (closeCode === CLOSE.normal) this.send(c, { type: "exit", code: end.code });
      c.socket.close(closeCode, end.reason.slice(0, 120));
    }
    this.clients.clear();
    for (const c of this.joining) this.tellEnded(c);
    this.joining.clear();
    this.onEnd(this.ended.end);
  }

  private send(client: Client, msg: ServerMessage): void {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(msg));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
