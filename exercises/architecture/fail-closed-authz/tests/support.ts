// Helpers for the hidden tests: a stand-in permission service on 127.0.0.1:41600 (the
// POLICY_URL of exercise.yaml) whose behaviour each test sets, calls to the service at
// SERVICE_URL, and its log read through the grader's control channel.
import http from "node:http";
// @ts-expect-error the grader's module, present in the grading sandbox only
import { service } from "/grader/control.mjs";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
/** exercise.yaml: POLICY_URL, POLICY_TOKEN, POLICY_TIMEOUT_MS. */
export const POLICY_PORT = 41600;
export const POLICY_TOKEN = "pt_live_3b7e1d9c5a2f4e60";
export const TIMEOUT_MS = 2500;
/** The service's two users (src/store.ts). */
export const ADA = { id: "u_ada", key: "ak_ada_5c1f0e9a7b3d" };
export const BOB = { id: "u_bob", key: "ak_bob_8e2d4a6c0f1b" };

export type Check = { subject?: unknown; action?: unknown; resource?: unknown };
/** What the stand-in does with a check: answer (status, body text, delay) or hang up never answering. */
export type Behaviour = (check: Check) => { status?: number; body?: string; delayMs?: number } | "hang";

/** Ada may do anything; Bob may read, except doc-2; anyone may read announcements. */
export const healthy: Behaviour = (c) => {
  const allow = c.resource === "announcements" || c.subject === ADA.id || (c.subject === BOB.id && c.action === "read" && c.resource !== "doc:doc-2");
  return { body: JSON.stringify({ allow }) };
};

export type Seen = { authorization: string | undefined; check: Check };

export class PolicyStub {
  behaviour: Behaviour = healthy;
  seen: Seen[] = [];
  private server: http.Server | null = null;
  private hung = new Set<http.ServerResponse>();
  private waiters: (() => void)[] = [];

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (d) => (text += d));
      req.on("end", () => {
        let check: Check = {};
        try {
          check = JSON.parse(text);
        } catch {}
        this.seen.push({ authorization: req.headers.authorization, check });
        if (req.method !== "POST" || req.url !== "/v1/check") return void res.writeHead(404).end("no such route");
        const b = this.behaviour(check);
        if (b === "hang") {
          this.hung.add(res);
          for (const wake of this.waiters.splice(0)) wake();
          return;
        }
        const send = () => res.writeHead(b.status ?? 200, { "content-type": "application/json" }).end(b.body ?? "");
        if (b.delayMs) setTimeout(send, b.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(POLICY_PORT, "127.0.0.1", resolve);
    });
    this.server = server;
  }

  /** Stops listening: the next checks meet a refused connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** How many checks the stand-in is holding unanswered. */
  get held(): number {
    return this.hung.size;
  }

  /** Resolves once `n` checks are being held (hung) by the stand-in: waits on the event, not on a timer. */
  async hanging(n: number): Promise<void> {
    while (this.hung.size < n) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  /** Ends the hung requests (so they don't linger into the next test). */
  release(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }
}

export type Reply = { status: number; text: string; ms: number };

export async function call(path: string, init: { key?: string; method?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const started = performance.now();
  const headers: Record<string, string> = init.key ? { authorization: `Bearer ${init.key}` } : {};
  try {
    const res = await fetch(BASE + path, { method: init.method ?? "GET", headers, signal: AbortSignal.timeout(init.timeoutMs ?? TIMEOUT_MS + 7500) });
    return { status: res.status, text: (await res.text()).slice(0, 300), ms: Math.round(performance.now() - started) };
  } catch (err: any) {
    return { status: 0, text: `no answer (${err?.name ?? err}: ${err?.cause?.code ?? err?.message ?? ""})`, ms: Math.round(performance.now() - started) };
  }
}

export const show = (what: string, r: Reply) => `${what}: ${r.status || "no answer"} after ${r.ms} ms ${r.text}`;

/** The service's output (first 8 KB + last 24 KB), through the control channel. */
export async function logs(): Promise<string> {
  return String(await service.logs());
}

/** The JSON log lines whose event is `authz_unavailable` and whose resource is `resource` in `text`. */
export function eventsIn(text: string, resource: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const o = JSON.parse(t);
      if (o && o.event === "authz_unavailable" && o.resource === resource) out.push(o);
    } catch {}
  }
  return out;
}

/**
 * The security events for each of `resources`, once every one has at least `atLeast` of them.
 * The service's stdout reaches the grader through a pipe, so a line written just before the 503
 * may not have been read yet when the test asks: look again (every 100 ms, up to 5 s) instead of
 * trusting one read. Returns the log text and what was found when the wait ends.
 */
export async function waitForEvents(resources: string[], atLeast = 1): Promise<{ text: string; found: Map<string, Record<string, unknown>[]> }> {
  const until = performance.now() + 5000;
  for (;;) {
    const text = await logs();
    const found = new Map(resources.map((r) => [r, eventsIn(text, r)]));
    if ([...found.values()].every((f) => f.length >= atLeast) || performance.now() > until) return { text, found };
    await new Promise((r) => setTimeout(r, 100));
  }
}
