import { parentPort } from "node:worker_threads";
import headless from "@xterm/headless";
import { SerializeAddon } from "@xterm/addon-serialize";
import type { ScreenReply, ScreenRequest } from "./screens.ts";

/**
 * The screen models of the lab's terminal sessions (a headless xterm each, for reattach),
 * parsed on this worker thread so the bytes of a flooding shell are never parsed on the
 * thread that serves the API and every other session's echo. Messages are handled in order,
 * so a `serialize` sees every `write` posted before it.
 */
type Screen = { term: headless.Terminal; serializer: SerializeAddon };
const screens = new Map<string, Screen>();
const port = parentPort!;
const reply = (msg: ScreenReply) => port.postMessage(msg);

port.on("message", (msg: ScreenRequest) => {
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
      if (msg.preface) term.write(msg.preface);
      screens.set(msg.id, { term, serializer });
      return;
    }
    case "write": {
      const s = screens.get(msg.id);
      const bytes = msg.data.length;
      if (!s) return reply({ op: "parsed", id: msg.id, bytes });
      s.term.write(msg.data, () => reply({ op: "parsed", id: msg.id, bytes }));
      return;
    }
    case "resize":
      screens.get(msg.id)?.term.resize(msg.cols, msg.rows);
      return;
    case "serialize": {
      const s = screens.get(msg.id);
      if (!s) return reply({ op: "screen", req: msg.req, data: "" });
      // An empty write completes once everything written before it is parsed.
      s.term.write(new Uint8Array(0), () =>
        reply({ op: "screen", req: msg.req, data: s.serializer.serialize({ scrollback: msg.scrollback }) }),
      );
      return;
    }
    case "close": {
      const s = screens.get(msg.id);
      screens.delete(msg.id);
      // After what is queued: a serialize posted before the close still answers.
      s?.term.write(new Uint8Array(0), () => s.term.dispose());
    }
  }
});
