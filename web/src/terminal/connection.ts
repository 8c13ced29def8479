/**
 * The terminal's WebSocket connection: opens it, reconnects with backoff, acknowledges
 * rendered output (flow control), pings, and reports one of five states. It knows nothing
 * of xterm.js: output goes to a `TerminalSink`, which calls `rendered()` once the bytes are
 * parsed (xterm's `write(data, callback)`), and only then are they acknowledged.
 *
 * States:
 *   connecting   → connected     `ready` received
 *   connecting   → reconnecting  the socket closed with a retryable code (see handleClose)
 *   connected    → reconnecting  same; or nothing heard for a whole ping period after a ping
 *   reconnecting → connected     `ready` received on a retry (the server then sends `screen`)
 *   any          → ended         `exit`; close 1000 (shell exited), 1008 (policy), 4000 (ended by the lab)
 *   any          → error         close 1009 (frame too big); the socket could not be created
 *   ended/error  → connecting    restart() (the "New shell" / "Reconnect" button)
 */
import {
  ACK_EVERY,
  CLOSE,
  chunkInput,
  encodeClientMessage,
  encodeInput,
  parseServerMessage,
  type ClientMessage,
  type ReadyMessage,
  type ServerMessage,
  evictOldestUrl,
  type TerminalRole,
  type TerminalState,
} from "./protocol.ts";

export const PING_MS = 25_000;
/** Rendered bytes below ACK_EVERY are acknowledged after at most this long. */
export const ACK_DELAY_MS = 100;
export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 10_000;
/** A connection that stayed up this long resets the backoff. */
export const STABLE_MS = 5_000;

const OPEN = 1; // WebSocket.OPEN, without touching a global that tests may not have

/** The part of the browser's WebSocket this module uses. */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface TerminalSink {
  /** Before `screen`: the session's role and size. */
  ready(msg: ReadyMessage): void;
  /** The serialized screen and scrollback: reset the terminal, then write it. */
  screen(data: string): void;
  /** Live output; call `rendered` once it is parsed, so it is acknowledged. */
  output(data: Uint8Array, rendered: () => void): void;
  /** A non-fatal message from the server. */
  serverError(message: string): void;
}

export interface ConnectionStatus {
  state: TerminalState;
  /** Why the connection is not (or no longer) connected; null when there is nothing to say. */
  reason: string | null;
  /** The role of the last `ready`; kept while reconnecting. */
  role: TerminalRole | null;
  /** Ended at the live-sandbox limit: the exercises whose terminals are live (oldest first). */
  limit?: { exercise: string; title: string }[];
}

export interface ConnectionOptions {
  onStatus?: (status: ConnectionStatus) => void;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
}

/** 0.5 s doubling up to 10 s, minus up to 25 % jitter so reconnecting tabs spread out. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 16));
  return Math.round(base * (1 - 0.25 * random()));
}

export class TerminalConnection {
  private readonly url: string;
  private readonly sink: TerminalSink;
  private readonly onStatus: (status: ConnectionStatus) => void;
  private readonly createSocket: (url: string) => SocketLike;
  private readonly random: () => number;

  private status: ConnectionStatus = { state: "connecting", reason: null, role: null };
  private ws: SocketLike | null = null;
  /** Bumped for every socket: events and write callbacks of an older socket are ignored. */
  private gen = 0;
  private disposed = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** Output bytes rendered and not yet acknowledged on the current socket. */
  private unacked = 0;
  private readyAt = 0;
  private lastPingAt = 0;
  private lastHeardAt = 0;
  /** The pty size the server has (from `ready`, then from our resizes). */
  private serverSize: { cols: number; rows: number } | null = null;
  /** The `limit` message of the current socket, until its close. */
  private limit: Extract<ServerMessage, { type: "limit" }> | null = null;
  /** Round trip of the last ping, in ms. */
  latencyMs: number | null = null;

  constructor(url: string, sink: TerminalSink, opts: ConnectionOptions = {}) {
    this.url = url;
    this.sink = sink;
    this.onStatus = opts.onStatus ?? (() => {});
    this.createSocket = opts.createSocket ?? ((u) => new WebSocket(u) as SocketLike);
    this.random = opts.random ?? Math.random;
  }

  getStatus(): ConnectionStatus {
    return this.status;
  }

  start(): void {
    if (this.disposed || this.ws || this.retryTimer !== undefined) return;
    this.open("connecting");
  }

  /**
   * Connect again after `ended` or `error` (the server starts a new shell if the old one is
   * gone). `evictOldest`: at the live-sandbox limit, stop the least recently used session instead.
   */
  restart(opts: { evictOldest?: boolean } = {}): void {
    if (this.disposed) return;
    this.dropSocket();
    this.clearRetry();
    this.attempt = 0;
    this.open("connecting", opts.evictOldest ? evictOldestUrl(this.url) : this.url);
  }

  /** Skip the rest of the backoff (e.g. the browser came back online). */
  retryNow(): void {
    if (this.disposed || this.status.state !== "reconnecting" || this.retryTimer === undefined) return;
    this.clearRetry();
    this.open("reconnecting");
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearRetry();
    this.dropSocket();
  }

  /** Keystrokes and pastes; dropped unless connected as the owner. */
  sendInput(data: string | Uint8Array): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || !this.readyAt || this.status.role !== "owner") return;
    const bytes = typeof data === "string" ? encodeInput(data) : data;
    for (const chunk of chunkInput(bytes)) ws.send(chunk);
  }

  /** The terminal's size changed: tell the server (owners only, and only when it differs). */
  resize(cols: number, rows: number): void {
    if (!this.readyAt || this.status.role !== "owner") return;
    const c = Math.min(500, Math.max(2, Math.floor(cols)));
    const r = Math.min(200, Math.max(1, Math.floor(rows)));
    if (this.serverSize && this.serverSize.cols === c && this.serverSize.rows === r) return;
    if (this.send({ type: "resize", cols: c, rows: r })) this.serverSize = { cols: c, rows: r };
  }

  // ---------- internals ----------

  private setStatus(next: ConnectionStatus): void {
    const cur = this.status;
    if (cur.state === next.state && cur.reason === next.reason && cur.role === next.role && cur.limit === next.limit)
      return;
    this.status = next;
    this.onStatus(next);
  }

  private send(msg: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return false;
    ws.send(encodeClientMessage(msg));
    return true;
  }

  private open(state: "connecting" | "reconnecting", url = this.url): void {
    const gen = ++this.gen;
    this.limit = null;
    this.unacked = 0;
    this.readyAt = 0;
    this.serverSize = null;
    this.lastPingAt = 0;
    this.setStatus({ state, reason: state === "connecting" ? null : this.status.reason, role: this.status.role });
    let ws: SocketLike;
    try {
      ws = this.createSocket(url);
    } catch (err) {
      this.finish(
        "error",
        `Could not open the terminal connection: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (gen !== this.gen) return;
      this.lastHeardAt = Date.now();
      this.startPing();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (gen !== this.gen) return;
      this.lastHeardAt = Date.now();
      const data: unknown = ev.data;
      if (typeof data === "string") {
        const msg = parseServerMessage(data);
        if (msg) this.handleMessage(msg);
      } else if (data instanceof ArrayBuffer) {
        this.handleOutput(gen, data);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (gen !== this.gen) return;
      this.handleClose(ev.code, ev.reason);
    };
    ws.onerror = () => {
      /* a close event always follows; it decides */
    };
  }

  private handleMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case "ready":
        this.readyAt = Date.now();
        this.serverSize = { cols: msg.cols, rows: msg.rows };
        this.status = { ...this.status, role: msg.role }; // before the sink runs: resize() checks the role
        this.sink.ready(msg);
        this.setStatus({ state: "connected", reason: null, role: msg.role });
        return;
      case "screen":
        this.sink.screen(msg.data);
        return;
      case "exit":
        this.finish("ended", msg.code === null ? "The shell exited." : `The shell exited with code ${msg.code}.`);
        return;
      case "error":
        this.sink.serverError(msg.message);
        return;
      case "pong":
        this.latencyMs = Math.max(0, Date.now() - msg.t);
        return;
      case "limit":
        this.limit = msg;
        return;
    }
  }

  private handleOutput(gen: number, data: ArrayBuffer): void {
    const n = data.byteLength;
    if (n === 0) return;
    this.sink.output(new Uint8Array(data), () => this.rendered(gen, n));
  }

  /** Flow control: count what xterm has parsed; ack every ACK_EVERY bytes, or after ACK_DELAY_MS. */
  private rendered(gen: number, n: number): void {
    if (gen !== this.gen || !this.ws) return;
    this.unacked += n;
    if (this.unacked >= ACK_EVERY) this.flushAck();
    else if (this.ackTimer === undefined) this.ackTimer = setTimeout(() => this.flushAck(), ACK_DELAY_MS);
  }

  private flushAck(): void {
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.unacked > 0 && this.send({ type: "ack", bytes: this.unacked })) this.unacked = 0;
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      // Nothing at all heard for a whole period after a ping: a half-open connection (sleep, Wi-Fi change).
      if (this.lastPingAt && this.lastHeardAt < this.lastPingAt) {
        this.dropSocket();
        this.scheduleReconnect("The server stopped answering.");
        return;
      }
      this.lastPingAt = Date.now();
      this.send({ type: "ping", t: this.lastPingAt });
    }, PING_MS);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private handleClose(code: number, reason: string): void {
    const stable = this.readyAt > 0 && Date.now() - this.readyAt >= STABLE_MS;
    this.ws = null;
    this.readyAt = 0;
    this.stopPing();
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.disposed || this.status.state === "ended" || this.status.state === "error") return;
    switch (code) {
      case CLOSE.normal:
        return this.finish("ended", reason || "The shell exited.");
      case CLOSE.policy:
        return this.finish("ended", reason || "The server refused the terminal connection.");
      case CLOSE.ended:
        return this.finish("ended", reason || "The lab ended this terminal session.");
      case CLOSE.limit:
        return this.finish(
          "ended",
          this.limit?.message ?? "You are at your live-sandbox limit.",
          this.limit?.live ?? [],
        );
      case CLOSE.tooBig:
        return this.finish("error", reason || "The server rejected a message as too big.");
      case CLOSE.restart:
        // The lab is going down to come back: a new socket finds the new process.
        return this.scheduleReconnect("The lab is restarting.");
      default:
        if (stable) this.attempt = 0;
        return this.scheduleReconnect(
          code === CLOSE.internal
            ? `Server error${reason ? `: ${reason}` : ""}.`
            : `Connection lost${reason ? `: ${reason}` : ` (${code})`}.`,
        );
    }
  }

  private scheduleReconnect(reason: string): void {
    if (this.disposed) return;
    this.clearRetry();
    const delay = backoffDelay(this.attempt++, this.random);
    this.setStatus({ state: "reconnecting", reason, role: this.status.role });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open("reconnecting");
    }, delay);
  }

  private finish(state: "ended" | "error", reason: string, limit?: { exercise: string; title: string }[]): void {
    this.clearRetry();
    this.setStatus({ state, reason, role: this.status.role, ...(limit ? { limit } : {}) });
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Forget the current socket: its late events are ignored, and it is closed. */
  private dropSocket(): void {
    this.gen++;
    this.stopPing();
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.readyAt = 0;
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(CLOSE.normal);
    } catch {
      /* already closing */
    }
  }
}
