import { parentPort, workerData } from "node:worker_threads";
import { sleep } from "./stats.ts";
import { OursLink, PROMPT_AT_END, type TermLink } from "./termlink.ts";
import { ensureWetty, WettyLink } from "./wetty.ts";

/**
 * One typing neighbour of the terminal bench, on its own thread with its own event loop, as
 * a learner's browser tab is: between "start" and "stop" it types a key every 20–80 ms and
 * times its echo (then erases it, untimed), and answers "stop" with the samples.
 */
export type NeighbourSpec =
  { kind: "ours"; url: string; headers: Record<string, string> } | { kind: "wetty"; url: string };
export type NeighbourReply =
  { type: "ready" } | { type: "samples"; ms: number[]; error: string | null } | { type: "error"; message: string };

const KEYS = "xzqvjkw";
const port = parentPort!;
const spec = workerData as NeighbourSpec;
const say = (m: NeighbourReply) => port.postMessage(m);

let link: TermLink;
let typing: Promise<{ ms: number[]; error: string | null }> | null = null;
let stopNow = false;

async function type(): Promise<{ ms: number[]; error: string | null }> {
  const ms: number[] = [];
  try {
    for (let i = 0; !stopNow; i++) {
      const key = KEYS[i % KEYS.length]!;
      link.clear();
      const t0 = performance.now();
      link.send(key);
      ms.push((await link.until(key, `the echo of "${key}"`, 10_000)) - t0);
      link.clear();
      link.send("\x7f");
      await link.until("\b", "the echo of a backspace", 10_000);
      await sleep(20 + Math.random() * 60);
    }
    return { ms, error: null };
  } catch (err) {
    return { ms, error: (err as Error).message };
  }
}

port.on("message", (m: "start" | "stop" | "close") => {
  if (m === "start") {
    stopNow = false;
    typing = type();
  } else if (m === "stop") {
    stopNow = true;
    void (typing ?? Promise.resolve({ ms: [], error: null })).then((r) => say({ type: "samples", ...r }));
    typing = null;
  } else void link.close().finally(() => port.close());
});

try {
  link =
    spec.kind === "ours" ? new OursLink(spec.url, spec.headers) : new WettyLink(await ensureWetty(() => {}), spec.url);
  await (link as OursLink | WettyLink).ready;
  await link.until(PROMPT_AT_END, "a prompt", 30_000);
  say({ type: "ready" });
} catch (err) {
  say({ type: "error", message: (err as Error).message });
}
