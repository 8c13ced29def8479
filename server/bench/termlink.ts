import WebSocket from "ws";

/** How much received text a link keeps to match against: enough for a prompt or a marker line. */
const TAIL = 4096;

type Waiter = { test: (tail: string) => boolean; done: (at: number) => void; fail: (err: Error) => void };

/** Every wait of the terminal bench ends by this time (performance.now() ms). */
let deadline = Infinity;
export function setDeadline(at: number): void {
  deadline = at;
}
export const timeLeft = () => deadline - performance.now();

/**
 * A terminal client over the network, read as text (latin1: markers are ASCII). `until`
 * resolves with the moment the chunk that satisfied it arrived, so a wait measures arrival,
 * not when the awaiting code resumed.
 */
export abstract class TermLink {
  /** Output bytes received so far. */
  bytes = 0;
  private tail = "";
  private waiters = new Set<Waiter>();
  private gone: Error | null = null;

  abstract send(text: string): void;
  abstract close(): Promise<void>;

  protected feed(text: string, bytes: number): void {
    const at = performance.now();
    this.bytes += bytes;
    this.tail = this.tail.length + text.length > TAIL ? (this.tail + text).slice(-TAIL) : this.tail + text;
    for (const w of this.waiters) if (w.test(this.tail)) w.done(at);
  }

  /** The link is unusable (closed, errored): every wait fails with `err`. */
  protected lost(err: Error): void {
    this.gone ??= err;
    for (const w of this.waiters) w.fail(err);
  }

  /** Forgets the received text (not the byte count): later waits see only what comes next. */
  clear(): void {
    this.tail = "";
  }

  text(): string {
    return this.tail;
  }

  until(test: RegExp | string | ((tail: string) => boolean), what: string, timeoutMs = 10_000): Promise<number> {
    const fn =
      typeof test === "string"
        ? (t: string) => t.includes(test)
        : test instanceof RegExp
          ? (t: string) => test.test(t)
          : test;
    if (fn(this.tail)) return Promise.resolve(performance.now());
    if (this.gone) return Promise.reject(this.gone);
    const ms = Math.max(0, Math.min(timeoutMs, timeLeft()));
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          w.fail(
            new Error(`no ${what} within ${Math.round(ms)} ms; last output: ${JSON.stringify(this.tail.slice(-160))}`),
          ),
        ms,
      );
      const settle = () => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      const w: Waiter = {
        test: fn,
        done: (at) => {
          settle();
          resolve(at);
        },
        fail: (err) => {
          settle();
          reject(err);
        },
      };
      this.waiters.add(w);
    });
  }
}

/** A prompt at the end of the output, possibly followed by mode sequences (bracketed paste). */
export const PROMPT_AT_END = new RegExp(`[$#] (?:${String.fromCharCode(27)}\\[[?\\d;]*[a-zA-Z])*$`);

/**
 * A Backlab terminal client, like the web app's: binary frames are output (acknowledged as
 * soon as they arrive, as a browser that keeps up would), text frames are control messages.
 * `opened` and `screenAt` are performance.now() times of the socket's creation and of the
 * `screen` message.
 */
export class OursLink extends TermLink {
  readonly opened = performance.now();
  screenAt = NaN;
  screen = "";
  readonly ready: Promise<void>;
  private socket: WebSocket;
  private closed: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    super();
    this.socket = new WebSocket(url, { headers, perMessageDeflate: false });
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("unexpected-response", (_req, res) =>
        reject(new Error(`terminal upgrade refused: ${res.statusCode}`)),
      );
      this.socket.once("error", (err) => reject(err));
      this.socket.once("close", (code, reason) =>
        reject(new Error(`terminal socket closed: ${code} ${reason.toString()}`)),
      );
      this.socket.on("message", (data, isBinary) => {
        if (isBinary) {
          const buf = data as Buffer;
          this.socket.send(`{"type":"ack","bytes":${buf.length}}`);
          this.feed(buf.toString("latin1"), buf.length);
          return;
        }
        const msg = JSON.parse(data.toString()) as { type: string; data?: string };
        if (msg.type === "screen") {
          this.screenAt = performance.now();
          this.screen = msg.data ?? "";
          this.feed(this.screen, 0);
          resolve();
        }
      });
    });
    this.ready.catch(() => {});
    this.socket.on("error", (err) => this.lost(err));
    this.socket.on("close", (code) => this.lost(new Error(`the terminal socket closed (${code})`)));
  }

  send(text: string): void {
    this.socket.send(Buffer.from(text, "latin1"));
  }

  resize(cols: number, rows: number): void {
    this.socket.send(JSON.stringify({ type: "resize", cols, rows }));
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.socket.close();
    const hard = setTimeout(() => this.socket.terminate(), 2000);
    return this.closed.finally(() => clearTimeout(hard));
  }
}
