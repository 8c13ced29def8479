import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import zlib from "node:zlib";

/** Uncompressed bytes of a recording before it stops (with a marker saying so). */
export const RECORDING_CAP = 32 * 1024 * 1024;

/**
 * Records a terminal session as asciicast v2 (a JSON header line, then `[time, code, data]`
 * events: "o" output, "r" resize, "m" marker), gzip-compressed. Flushed every few seconds so
 * a crash loses little; stops at a size cap with a marker event.
 */
export class Recorder {
  /**
   * The recordings being written, by file: their size is in the database only once they end,
   * and the recordings list shows a live one's size so far (it said "0 B" while in progress).
   */
  private static writing = new Map<string, Recorder>();

  /** Bytes recorded so far by the recorder writing `file`, if one still is. */
  static liveBytes(file: string): number | undefined {
    return Recorder.writing.get(file)?.bytes;
  }

  bytes = 0;
  truncated = false;
  // Level 1: a flood is recorded at a fraction of level 6's CPU; terminal text still shrinks ~5×.
  private gzip = zlib.createGzip({ level: 1 });
  private out: fs.WriteStream;
  private decoder = new StringDecoder("utf8");
  private started = process.hrtime.bigint();
  private flushTimer: NodeJS.Timeout;
  private dirty = false;
  private closed: Promise<void>;

  constructor(
    file: string,
    header: { width: number; height: number },
    private cap = RECORDING_CAP,
  ) {
    this.out = fs.createWriteStream(file, { mode: 0o600 });
    Recorder.writing.set(file, this);
    this.closed = new Promise((resolve) => this.out.on("close", () => resolve()));
    void this.closed.then(() => Recorder.writing.delete(file));
    this.out.on("error", () => {});
    this.gzip.pipe(this.out);
    this.line(
      JSON.stringify({
        version: 2,
        width: header.width,
        height: header.height,
        timestamp: Math.floor(Date.now() / 1000),
        env: { TERM: "xterm-256color", SHELL: "/bin/bash" },
      }),
    );
    this.flushTimer = setInterval(() => {
      if (this.dirty) this.gzip.flush(zlib.constants.Z_SYNC_FLUSH);
      this.dirty = false;
    }, 2000);
    this.flushTimer.unref();
  }

  /**
   * Text waiting for the compressor (zlib runs on libuv's pool, which a busy machine can
   * leave behind a flood): the session holds the shell back while it is high, so a
   * recording never queues megabytes in memory.
   */
  get backlog(): number {
    return this.gzip.writableLength;
  }

  /** Called when the backlog has drained. */
  onDrain(listener: () => void): void {
    this.gzip.on("drain", listener);
  }

  output(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    if (text) this.event("o", text);
  }

  resize(cols: number, rows: number): void {
    this.event("r", `${cols}x${rows}`);
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    const rest = this.decoder.end();
    if (rest) this.event("o", rest);
    this.gzip.end();
    await this.closed;
  }

  private event(code: "o" | "r" | "m", data: string): void {
    if (this.truncated) return;
    const t = Number(process.hrtime.bigint() - this.started) / 1e9;
    const line = JSON.stringify([Math.round(t * 1e6) / 1e6, code, data]);
    if (this.bytes + line.length > this.cap) {
      this.truncated = true;
      this.line(JSON.stringify([Math.round(t * 1e6) / 1e6, "m", "recording stopped: size limit reached"]));
      return;
    }
    this.line(line);
  }

  private line(text: string): void {
    this.bytes += text.length + 1;
    this.dirty = true;
    this.gzip.write(text + "\n");
  }
}

/** Reads a recording back, also one still being written (a partial gzip stream). */
export function readRecording(file: string): NodeJS.ReadableStream {
  return fs.createReadStream(file).pipe(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH }));
}
