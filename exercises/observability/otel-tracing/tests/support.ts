// Helpers for the hidden tests: an OTLP/HTTP collector and a payment service stub, both on
// loopback in the grader's sandbox (which shares the service's network), and HTTP calls.
import crypto from "node:crypto";
import http from "node:http";
import zlib from "node:zlib";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
/** Where the service exports (exercise.yaml sets OTEL_EXPORTER_OTLP_ENDPOINT to this port). */
export const COLLECTOR_PORT = 4318;
/** Where the service's PAYMENTS_URL points. */
export const PAYMENTS_PORT = 4100;

export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export type FlatSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: bigint;
  end: bigint;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
  /** The span's JSON as exported, with its resource's: for checks over everything. */
  raw: string;
};

function anyValue(v: any): unknown {
  if (!v || typeof v !== "object") return v;
  if ("stringValue" in v) return v.stringValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("boolValue" in v) return v.boolValue;
  if ("arrayValue" in v) return (v.arrayValue?.values ?? []).map(anyValue);
  if ("kvlistValue" in v) return attrs(v.kvlistValue?.values);
  if ("bytesValue" in v) return v.bytesValue;
  return undefined;
}

function attrs(list: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of Array.isArray(list) ? list : []) if (kv && typeof kv.key === "string") out[kv.key] = anyValue(kv.value);
  return out;
}

/** OTLP/JSON ids are hex; tolerate base64 (protobuf-JSON mapping) too. */
function hexId(v: unknown): string {
  if (typeof v !== "string" || v === "") return "";
  if (/^[0-9a-f]+$/i.test(v)) return v.toLowerCase();
  return Buffer.from(v, "base64").toString("hex");
}

function nanos(v: unknown): bigint {
  try {
    if (typeof v === "object" && v && "high" in v && "low" in v) return (BigInt((v as any).high >>> 0) << 32n) + BigInt((v as any).low >>> 0);
    return BigInt(v as any);
  } catch {
    return 0n;
  }
}

export class Collector {
  readonly spans: FlatSpan[] = [];
  readonly problems: string[] = [];
  private server = http.createServer((req, res) => this.receive(req, res));

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(COLLECTOR_PORT, "127.0.0.1", () => resolve());
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private receive(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        if (req.method !== "POST" || req.url !== "/v1/traces") throw new Error(`${req.method} ${req.url}: traces go to POST /v1/traces`);
        let body = Buffer.concat(chunks);
        if (/gzip/i.test(req.headers["content-encoding"] ?? "")) body = zlib.gunzipSync(body);
        if (!/json/i.test(req.headers["content-type"] ?? "")) throw new Error(`content-type ${req.headers["content-type"]}: this collector reads OTLP/JSON (what @opentelemetry/exporter-trace-otlp-http sends)`);
        this.add(JSON.parse(body.toString("utf8")));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch (err) {
        this.problems.push((err as Error).message);
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: (err as Error).message }));
      }
    });
  }

  private add(payload: any) {
    for (const rs of payload?.resourceSpans ?? []) {
      const resource = attrs(rs?.resource?.attributes);
      for (const ss of rs?.scopeSpans ?? []) {
        for (const s of ss?.spans ?? []) {
          this.spans.push({
            traceId: hexId(s.traceId),
            spanId: hexId(s.spanId),
            parentSpanId: hexId(s.parentSpanId),
            name: String(s.name ?? ""),
            kind: Number(s.kind ?? 0),
            start: nanos(s.startTimeUnixNano),
            end: nanos(s.endTimeUnixNano),
            attributes: attrs(s.attributes),
            events: (s.events ?? []).map((e: any) => ({ name: String(e?.name ?? ""), attributes: attrs(e?.attributes) })),
            status: { code: Number(s.status?.code ?? 0), message: s.status?.message },
            resource,
            raw: JSON.stringify({ span: s, resource: rs?.resource }),
          });
        }
      }
    }
  }

  inTrace(traceId: string): FlatSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  /**
   * Waits (up to `ms`) until `ready(spans of the trace)` holds and returns those spans. The
   * service exports in batches (OTEL_BSP_SCHEDULE_DELAY), so spans arrive a moment later.
   */
  async waitFor(traceId: string, ready: (spans: FlatSpan[]) => boolean, ms = 3000): Promise<FlatSpan[]> {
    const until = Date.now() + ms;
    for (;;) {
      const spans = this.inTrace(traceId);
      if (ready(spans) || Date.now() > until) return spans;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What arrived, for assertion messages. */
  describe(traceId: string): string {
    const spans = this.inTrace(traceId);
    const other = this.spans.length - spans.length;
    const problems = this.problems.length ? ` The collector refused exports: ${this.problems.slice(-2).join("; ")}.` : "";
    if (!spans.length && other) return `No span of trace ${traceId} (the request's traceparent) reached the collector, but ${other} span(s) of other traces did: the server span must continue the incoming trace (propagation.extract), and the request's other spans must be its descendants.${problems}`;
    if (!spans.length) return `No span reached the collector at all: is the provider registered, are spans ended, and does the exporter use OTEL_EXPORTER_OTLP_ENDPOINT?${problems}`;
    return `Spans of trace ${traceId}: ${spans.map((s) => `${JSON.stringify(s.name)} kind=${s.kind} id=${s.spanId} parent=${s.parentSpanId || "-"}`).join("; ")}.${problems}`;
  }
}

export type StubCall = { headers: http.IncomingHttpHeaders; body: any };

/** The payment service: records every call; answers 201, or `failWith` while it is set. */
export class PaymentsStub {
  readonly calls: StubCall[] = [];
  failWith: number | null = null;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = undefined;
      }
      this.calls.push({ headers: req.headers, body });
      if (this.failWith) res.writeHead(this.failWith, { "content-type": "application/json" }).end('{"error":"card declined"}');
      else res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ chargeId: `ch_${crypto.randomBytes(6).toString("hex")}` }));
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(PAYMENTS_PORT, "127.0.0.1", () => resolve());
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** A fresh W3C trace context for one test: the tests find their spans by this trace id. */
export function newTraceparent(): { traceId: string; parentId: string; header: string } {
  const traceId = crypto.randomBytes(16).toString("hex");
  const parentId = crypto.randomBytes(8).toString("hex");
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
}

export type Answer = { status: number; body: any; text: string };

export async function call(method: string, path: string, opts: { json?: unknown; traceparent?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.json !== undefined) headers["content-type"] = "application/json";
  if (opts.traceparent) headers.traceparent = opts.traceparent;
  const res = await fetch(BASE + path, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

export function serverSpan(spans: FlatSpan[]): FlatSpan | undefined {
  return spans.find((s) => s.kind === KIND.SERVER);
}

export function show(span: FlatSpan | undefined): string {
  if (!span) return "(none)";
  return JSON.stringify({ name: span.name, kind: span.kind, spanId: span.spanId, parentSpanId: span.parentSpanId, attributes: span.attributes, status: span.status, events: span.events.map((e) => e.name) }).slice(0, 700);
}
