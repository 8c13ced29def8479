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
export const TIMEOUT_MS = 1000;
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
        if (b === "hang") return void this.hung.add(res);
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
    const res = await fetch(BASE + path, { method: init.method ?? "GET", headers, signal: AbortSignal.timeout(init.timeoutMs ?? 5000) });
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

/** The JSON log lines whose event is `authz_unavailable` and whose resource is `resource`. */
export async function events(resource: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const line of (await logs()).split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const o = JSON.parse(t);
      if (o && o.event === "authz_unavailable" && o.resource === resource) out.push(o);
    } catch {}
  }
  return out;
}
