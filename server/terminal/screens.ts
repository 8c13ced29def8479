import { Worker } from "node:worker_threads";
import type { Logger } from "../logger.ts";

export type ScreenRequest =
  | { op: "open"; id: string; cols: number; rows: number; scrollback: number; preface?: string }
  | { op: "write"; id: string; data: Uint8Array }
  | { op: "resize"; id: string; cols: number; rows: number }
  | { op: "serialize"; id: string; req: number; scrollback: number }
  | { op: "close"; id: string };
export type ScreenReply = { op: "parsed"; id: string; bytes: number } | { op: "screen"; req: number; data: string };

type Entry = {
  cols: number;
  rows: number;
  scrollback: number;
  onParsed: (bytes: number) => void;
  /** Output not posted yet: gathered into one message (POST_BYTES, or POST_MS), its buffer moved, not copied. */
  held: Uint8Array[];
  heldBytes: number;
};

/** Output is posted to the worker in messages of up to this much, or this long after it came. */
const POST_BYTES = 128 * 1024;
const POST_MS = 10;

/**
 * The worker runs TypeScript like the rest of the lab, through tsx's loader, no build step
 * (on Node 20 a worker's `--import` does not reach its entry module: it registers tsx itself).
 */
const BOOT = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./screen.worker.ts", import.meta.url).href)}); })`;

/**
 * The screen models of every terminal session of one lab, kept on one worker thread
 * (screen.worker.ts): the main thread only copies each output batch across. One thread for
 * all sessions, not one each: a worker costs megabytes, a session must not. If the worker
 * dies its screens are lost, not the sessions: they go on with blank screens in a new one.
 */
export class ScreenHost {
  private worker: Worker | null = null;
  private entries = new Map<string, Entry>();
  private waiting = new Map<number, (screen: string) => void>();
  private nextReq = 1;
  private closed = false;
  private holding = new Set<string>();
  private postTimer: NodeJS.Timeout | undefined;

  constructor(private log?: Logger) {}

  open(
    id: string,
    size: { cols: number; rows: number; scrollback: number },
    onParsed: (bytes: number) => void,
    preface?: string,
  ): void {
    this.entries.set(id, { ...size, onParsed, held: [], heldBytes: 0 });
    this.post({ op: "open", id, ...size, preface });
  }

  /**
   * Output for the screen of `id`. It is gathered (a message per batch cost the main thread
   * more than the bytes did) and posted in order before any other request for that screen.
   */
  write(id: string, data: Uint8Array): void {
    const e = this.entries.get(id);
    if (!e) return this.post({ op: "write", id, data });
    e.held.push(data);
    e.heldBytes += data.length;
    if (e.heldBytes >= POST_BYTES) return this.release(id);
    this.holding.add(id);
    this.postTimer ??= setTimeout(() => {
      this.postTimer = undefined;
      for (const held of [...this.holding]) this.release(held);
    }, POST_MS);
  }

  resize(id: string, cols: number, rows: number): void {
    const e = this.entries.get(id);
    if (e) Object.assign(e, { cols, rows });
    this.release(id);
    this.post({ op: "resize", id, cols, rows });
  }

  /** The screen and scrollback once everything written so far is parsed. */
  serialize(id: string, scrollback: number): Promise<string> {
    if (this.closed) return Promise.resolve("");
    const req = this.nextReq++;
    this.release(id);
    return new Promise((resolve) => {
      this.waiting.set(req, resolve);
      this.post({ op: "serialize", id, req, scrollback });
    });
  }

  /** Starts the worker ahead of the first session (it takes a moment to load). */
  warm(): void {
    if (!this.closed) this.worker ??= this.spawn();
  }

  close(id: string): void {
    this.release(id);
    this.entries.delete(id);
    this.post({ op: "close", id });
  }

  async terminate(): Promise<void> {
    this.closed = true;
    clearTimeout(this.postTimer);
    const w = this.worker;
    this.worker = null;
    for (const resolve of this.waiting.values()) resolve("");
    this.waiting.clear();
    if (w) await w.terminate();
  }

  /** Posts what is held for `id` as one message; the copy made here is moved to the worker. */
  private release(id: string): void {
    this.holding.delete(id);
    const e = this.entries.get(id);
    if (!e || e.heldBytes === 0) return;
    const data = new Uint8Array(e.heldBytes);
    let at = 0;
    for (const chunk of e.held) {
      data.set(chunk, at);
      at += chunk.length;
    }
    e.held = [];
    e.heldBytes = 0;
    this.post({ op: "write", id, data }, [data.buffer]);
  }

  private post(msg: ScreenRequest, transfer: ArrayBuffer[] = []): void {
    if (this.closed) return;
    this.worker ??= this.spawn();
    this.worker.postMessage(msg, transfer);
  }

  private spawn(): Worker {
    // A young generation of 4 MB, not V8's up to 48: a flood's garbage grew it and stayed in
    // RSS (first flood +41 MB, now +22 in back-to-back tries, CPU alike).
    const w = new Worker(BOOT, {
      eval: true,
      name: "terminal-screens",
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    // Sessions never keep the lab's process alive; TerminalSessions.closeAll ends it.
    w.unref();
    w.on("message", (msg: ScreenReply) => {
      if (msg.op === "parsed") this.entries.get(msg.id)?.onParsed(msg.bytes);
      else {
        this.waiting.get(msg.req)?.(msg.data);
        this.waiting.delete(msg.req);
      }
    });
    const lost = (why: unknown) => {
      if (this.worker !== w || this.closed) return;
      this.log?.error({ err: why }, "the terminal screen worker died; screens restart blank");
      this.worker = null;
      for (const resolve of this.waiting.values()) resolve("");
      this.waiting.clear();
      for (const [id, e] of this.entries) {
        e.onParsed(Number.POSITIVE_INFINITY);
        this.post({ op: "open", id, cols: e.cols, rows: e.rows, scrollback: e.scrollback });
      }
    };
    w.on("error", lost);
    w.on("exit", (code) => lost(new Error(`exit ${code}`)));
    return w;
  }
}
