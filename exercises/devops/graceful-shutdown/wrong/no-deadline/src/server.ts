import type { ServerResponse } from "node:http";
import { createApp, type Lifecycle } from "./app.ts";
import { Store } from "./store.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
/** How long readiness says 503 while requests are still served, so the load balancer notices. */
const drainMs = durationFromEnv("SHUTDOWN_DRAIN_MS", 5_000);
/** The whole shutdown, counted from the signal: past it, whatever is left is cut off. */
const timeoutMs = durationFromEnv("SHUTDOWN_TIMEOUT_MS", 25_000);

function durationFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a number of milliseconds`);
  return Number(raw);
}

const store = Store.open(process.env.STORE_FILE ?? "data/store.log");
const lifecycle: Lifecycle = { shuttingDown: false };

// Background work: the store's buffer reaches the disk every 200 ms.
const flusher = setInterval(() => store.flush(), 200);

const server = createApp(store, lifecycle).listen(port, host, (err?: Error) => {
  if (err) throw err;
  console.log(`listening on http://${host}:${port} (previous shutdown: ${store.previousShutdown})`);
});

// Responses still being written: at shutdown, those that have not sent their headers yet
// are told to close their connection afterwards (a keep-alive connection that was busy when
// the server closed would otherwise stay open until keepAliveTimeout).
const open = new Set<ServerResponse>();
server.on("request", (_req, res: ServerResponse) => {
  open.add(res);
  res.on("close", () => open.delete(res));
});

let finished = false;
/** Stops the background work, closes the store once, exits. */
function finish(code: number): void {
  if (finished) return;
  finished = true;
  clearInterval(flusher);
  try {
    store.close();
  } catch (err) {
    console.error("closing the store failed:", err);
    code = 1;
  }
  console.log(`shutdown ${code === 0 ? "complete" : "forced"}: exit ${code}`);
  process.exit(code);
}

function shutdown(signal: NodeJS.Signals): void {
  // A second signal (SIGINT after SIGTERM, an impatient Ctrl-C) must not start it again.
  if (lifecycle.shuttingDown) {
    console.log(`${signal} received; already shutting down`);
    return;
  }
  lifecycle.shuttingDown = true;
  console.log(`${signal} received: readiness is 503, draining for ${drainMs} ms`);

  const deadline: NodeJS.Timeout | undefined = undefined;

  setTimeout(() => {
    console.log("no longer accepting connections; waiting for requests in flight");
    for (const res of open) if (!res.headersSent) res.setHeader("Connection", "close");
    // Stops listening and closes idle keep-alive connections; the callback runs once
    // every connection is gone.
    server.close(() => {
      clearTimeout(deadline);
      finish(0);
    });
  }, Math.min(drainMs, timeoutMs));
}

process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
