// Helpers for the hidden tests: a fake inventory service, a Prometheus text parser, log access.
import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
export const INVENTORY_PORT = 4000;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export function call(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("content-type", "application/json");
  return fetch(BASE + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body, signal: AbortSignal.timeout(3000) });
}

export async function statusOf(path: string, init?: RequestInit): Promise<number | string> {
  try {
    const res = await call(path, init);
    await res.body?.cancel();
    return res.status;
  } catch (err) {
    return `no answer (${(err as Error).message})`;
  }
}

/** Polls `check` until it returns true or the time is up; returns the last value seen. */
export async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < until) {
    await sleep(everyMs);
    last = await probe();
  }
  return last;
}

export const order = (headers: Record<string, string> = {}) => call("/orders", { method: "POST", json: { sku: "KB-01", quantity: 1 }, headers });

export type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

/** The inventory dependency, on 127.0.0.1:4000 (the service's loopback is ours too). */
export class FakeInventory {
  received: Received[] = [];
  catalogReady = true;
  reservationDelayMs = 0;
  failReservations = false;
  private server: http.Server | null = null;

  get running(): boolean {
    return this.server !== null;
  }

  reservations(): Received[] {
    return this.received.filter((r) => r.method === "POST" && r.url === "/reservations");
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c));
      req.on("end", () => {
        this.received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        const send = (status: number, payload: unknown) => {
          res.writeHead(status, { "content-type": "application/json", connection: "close" });
          res.end(JSON.stringify(payload));
        };
        if (req.method === "GET" && req.url === "/healthz") return send(200, { status: "ok" });
        if (req.method === "GET" && req.url === "/catalog") {
          return this.catalogReady
            ? send(200, [
                { sku: "KB-01", name: "Mechanical keyboard", price_cents: 8900 },
                { sku: "MS-02", name: "Wireless mouse", price_cents: 3500 },
              ])
            : send(503, { error: "catalog not ready" });
        }
        if (req.method === "POST" && req.url === "/reservations") {
          const answer = () => {
            if (this.failReservations) return send(500, { error: "inventory exploded" });
            let parsed: { sku?: string; quantity?: number } = {};
            try {
              parsed = JSON.parse(body);
            } catch {
              return send(400, { error: "invalid JSON" });
            }
            send(201, { reservation_id: randomUUID(), sku: parsed.sku, quantity: parsed.quantity });
          };
          if (this.reservationDelayMs > 0) setTimeout(answer, this.reservationDelayMs);
          else answer();
          return;
        }
        send(404, { error: "not found" });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(INVENTORY_PORT, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// --- Prometheus text exposition format 0.0.4 ---

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Exposition = { samples: Sample[]; help: Map<string, string>; type: Map<string, string>; errors: string[] };

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(LABEL.lastIndex))) break;
    const m = LABEL.exec(text);
    if (!m) return null;
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

function parseValue(v: string): number {
  if (v === "+Inf" || v === "Inf") return Infinity;
  if (v === "-Inf") return -Infinity;
  if (v === "NaN") return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) ? Number(v) : NaN;
}

/** The family a sample belongs to: histograms' _bucket, _sum and _count go to their base name. */
export function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (types.get(base) === "histogram" || types.get(base) === "summary") return base;
    }
  }
  return name;
}

export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: [], help: new Map(), type: new Map(), errors: [] };
  const seen = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ""] = m;
      if (kind === "HELP") out.help.set(name!, rest);
      else {
        if (seen.has(name!)) out.errors.push(`line ${i + 1}: # TYPE ${name} comes after samples of ${name}`);
        out.type.set(name!, rest.trim());
      }
      return;
    }
    const m = SAMPLE.exec(line);
    const labels = m ? parseLabels(m[2] ?? "") : null;
    const value = m ? parseValue(m[3]!) : NaN;
    if (!m || !labels || (Number.isNaN(value) && m[3] !== "NaN")) {
      out.errors.push(`line ${i + 1} is not a valid sample: ${JSON.stringify(line.slice(0, 200))}`);
      return;
    }
    out.samples.push({ name: m[1]!, labels, value });
    seen.add(familyOf(m[1]!, out.type));
  });
  return out;
}

export async function scrape(): Promise<{ text: string; contentType: string; exp: Exposition }> {
  const res = await call("/metrics");
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text.slice(0, 200)}`);
  return { text, contentType: res.headers.get("content-type") ?? "", exp: parseExposition(text) };
}

const matches = (s: Sample, name: string, labels: Record<string, string>) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);

/** Sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function valueOf(exp: Exposition, name: string, labels: Record<string, string>): number {
  return exp.samples.filter((s) => matches(s, name, labels)).reduce((a, s) => a + s.value, 0);
}

/** A histogram bucket by its numeric upper bound. */
export function bucketOf(exp: Exposition, name: string, labels: Record<string, string>, le: number): number {
  return exp.samples.filter((s) => matches(s, `${name}_bucket`, labels) && parseValue(s.labels.le ?? "") === le).reduce((a, s) => a + s.value, 0);
}

// --- logs ---

export type LogLine = Record<string, unknown>;

export async function recentLogs(n = 100): Promise<LogLine[]> {
  const res = await call(`/debug/logs?n=${n}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /debug/logs?n=${n} answered ${res.status} (it must be enabled when DEBUG_LOGS=1): ${text.slice(0, 200)}`);
  let lines: unknown;
  try {
    lines = JSON.parse(text);
  } catch {
    throw new Error(`GET /debug/logs?n=${n} did not answer JSON: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(lines)) throw new Error(`GET /debug/logs?n=${n} must answer a JSON array of log objects, got: ${text.slice(0, 200)}`);
  return lines as LogLine[];
}

/** The request's access-log lines (request_id and a numeric status), once it shows up. */
export async function accessLines(requestId: string): Promise<LogLine[]> {
  const pick = (lines: LogLine[]) => lines.filter((l) => l && l.request_id === requestId && typeof l.status === "number");
  const lines = await eventually(() => recentLogs(100), (ls) => pick(ls).length > 0, 1000);
  const found = pick(lines);
  if (found.length === 0) throw new Error(`no log line with request_id ${JSON.stringify(requestId)} and a numeric status among the last 100 lines of /debug/logs`);
  return found;
}
