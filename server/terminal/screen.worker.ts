import { parentPort } from "node:worker_threads";
import headless from "@xterm/headless";
import { SerializeAddon } from "@xterm/addon-serialize";
import type { ScreenReply, ScreenRequest } from "./screens.ts";
import { parse } from "./screenskip.ts";

/**
 * The screen models of the lab's terminal sessions (a headless xterm each, for reattach),
 * parsed on this worker thread so the bytes of a flooding shell are never parsed on the
 * thread that serves the API and every other session's echo. Each screen's operations run
 * in order (`chain`), so a `serialize` sees every `write` posted before it and a resize lands
 * between the bytes it came between. Output is gathered (DIGEST_BYTES, or HOLD_MS after it
 * stops) and parsed a digest at a time, the middle of long plain floods skipped (screenskip.ts):
 * a `yes` costs a fraction of its bytes' parsing and restores the same screen.
 */
const DIGEST_BYTES = 384 * 1024;
const HOLD_MS = 15;
/** Output that keeps coming is parsed at least this often (a digest's bytes, not older). */
const MAX_HOLD_MS = 100;

type Screen = {
  term: headless.Terminal;
  serializer: SerializeAddon;
  scrollback: number;
  pending: Uint8Array[];
  pendingBytes: number;
  /** When the first of `pending` and the last one came (performance.now()). */
  firstAt: number;
  lastAt: number;
  timer: NodeJS.Timeout | undefined;
  chain: Promise<void>;
};
const screens = new Map<string, Screen>();
const port = parentPort!;
const reply = (msg: ScreenReply) => port.postMessage(msg);
const then = (s: Screen, op: () => unknown) => {
  s.chain = s.chain.then(async () => void (await op())).catch(() => {});
};

/** Queues what has gathered for parsing, answering `parsed` once it is. */
function digest(id: string, s: Screen): void {
  clearTimeout(s.timer);
  s.timer = undefined;
  if (s.pendingBytes === 0) return;
  const data = s.pending.length === 1 ? s.pending[0]! : Buffer.concat(s.pending);
  s.pending = [];
  s.pendingBytes = 0;
  then(s, () => parse(s.term, s.scrollback, data).then(() => reply({ op: "parsed", id, bytes: data.length })));
}

/** A flood gathers into one digest (more to skip); output that stopped is parsed now. */
function hold(id: string, s: Screen): void {
  const now = performance.now();
  s.timer = undefined;
  if (now - s.lastAt < HOLD_MS && now - s.firstAt < MAX_HOLD_MS) s.timer = setTimeout(() => hold(id, s), HOLD_MS);
  else digest(id, s);
}

port.on("message", (msg: ScreenRequest) => {
  const s = screens.get(msg.id);
  switch (msg.op) {
    case "open": {
      const term = new headless.Terminal({
        cols: msg.cols,
        rows: msg.rows,
        scrollback: msg.scrollback,
        allowProposedApi: true,
      });
      const serializer = new SerializeAddon();
      term.loadAddon(serializer as never);
      const opened: Screen = {
        term,
        serializer,
        scrollback: msg.scrollback,
        pending: [],
        pendingBytes: 0,
        firstAt: 0,
        lastAt: 0,
        timer: undefined,
        chain: Promise.resolve(),
      };
      if (msg.preface) then(opened, () => new Promise<void>((resolve) => term.write(msg.preface!, resolve)));
      screens.set(msg.id, opened);
      return;
    }
    case "write": {
      if (!s) return reply({ op: "parsed", id: msg.id, bytes: msg.data.length });
      const now = performance.now();
      if (s.pendingBytes === 0) s.firstAt = now;
      s.lastAt = now;
      s.pending.push(msg.data);
      s.pendingBytes += msg.data.length;
      if (s.pendingBytes >= DIGEST_BYTES) digest(msg.id, s);
      else s.timer ??= setTimeout(() => hold(msg.id, s), HOLD_MS);
      return;
    }
    case "resize":
      if (!s) return;
      digest(msg.id, s);
      then(s, () => s.term.resize(msg.cols, msg.rows));
      return;
    case "serialize": {
      if (!s) return reply({ op: "screen", req: msg.req, data: "" });
      digest(msg.id, s);
      then(s, () =>
        reply({ op: "screen", req: msg.req, data: s.serializer.serialize({ scrollback: msg.scrollback }) }),
      );
      return;
    }
    case "close": {
      if (!s) return;
      screens.delete(msg.id);
      // After what is queued: a serialize posted before the close still answers.
      digest(msg.id, s);
      then(s, () => s.term.dispose());
    }
  }
});
