// Helpers for the hidden tests: a scripted model endpoint on the sandbox's loopback (the
// service's MODEL_URL points at it, exercise.yaml) and calls to the learner's service.
import http from "node:http";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
/** exercise.yaml starts the service with these. */
export const MODEL_PORT = 41510;
export const TIMEOUT_MS = 600;
export const MAX_ATTEMPTS = 3;
export const BUDGET_MS = 1400;

type Reply = { status: number; headers?: Record<string, string>; body: string; delayMs?: number };
export type Call = { at: number; body: any };

export const completion = (content: string, finish_reason = "stop"): Reply => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ id: "cmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason }] }),
});
export const raw = (status: number, body: string, headers: Record<string, string> = {}): Reply => ({ status, body, headers });
export const tooMany = (retryAfter: number) => raw(429, '{"error":{"type":"rate_limit"}}', { "retry-after": String(retryAfter), "content-type": "application/json" });
export const slow = (delayMs: number, reply: Reply): Reply => ({ ...reply, delayMs });

let queue: Reply[] = [];
export let calls: Call[] = [];

/** The replies the model gives, in order; past the end it answers 503. Clears the recorded calls. */
export function script(replies: Reply[]) {
  queue = [...replies];
  calls = [];
}

const server = http.createServer((req, res) => {
  let text = "";
  req.setEncoding("utf8");
  req.on("data", (c) => (text += c));
  req.on("end", () => {
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    calls.push({ at: performance.now(), body });
    const reply = queue.shift() ?? raw(503, '{"error":"unscripted call"}');
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body);
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
    else send();
  });
});

export async function startModel() {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(MODEL_PORT, "127.0.0.1", () => resolve());
  });
}
export async function stopModel() {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

/** POST /triage; never throws for an HTTP answer. */
export async function triage(ticket: unknown) {
  const started = performance.now();
  const res = await fetch(`${BASE}/triage`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ticket }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, text, json, ms: performance.now() - started, started };
}
