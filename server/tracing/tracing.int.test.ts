import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { Client, startTestLab, waitForResult, type TestLab } from "../test/lab.ts";

/**
 * A grading's trace, exported over OTLP/HTTP to a collector this test runs on loopback: the
 * submitting request's span, the grading under it, a span per phase under that; and the log
 * lines of the grading carry the same trace id.
 */

type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
};

class Collector {
  spans: OtlpSpan[] = [];
  contentTypes = new Set<string>();
  url = "";
  private server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      this.contentTypes.add(String(req.headers["content-type"]));
      if (req.url === "/v1/traces") {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) this.spans.push(...ss.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close = () => new Promise<void>((r) => this.server.close(() => r()));
}

const collector = new Collector();
const lines: Record<string, unknown>[] = [];
let lab: TestLab | undefined;

beforeAll(async () => {
  await collector.listen();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  lab = await startTestLab(
    { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: "backlab-test" },
    { logger: createLogger("info", sink) },
  );
});
afterAll(async () => {
  await lab?.close();
  await collector.close();
});

describe("tracing", () => {
  it("exports a grading's trace from the submitting request through every phase, and logs carry its id", async () => {
    const u = await Client.signup(lab!.url, "traced");
    await u.json("POST", "/api/exercises/token-bucket/workspace", {});
    const sub = await u.json<{ submission: { id: number } }>("POST", "/api/exercises/token-bucket/submissions", {});
    expect(sub.status).toBe(202);
    await waitForResult(u, sub.body.submission.id, 120_000);
    // Closing the lab flushes the batch of spans still buffered.
    await lab!.close();
    lab = undefined;

    expect([...collector.contentTypes]).toEqual(["application/json"]);
    const request = collector.spans.find((s) => s.name === "POST /api/exercises/:id/submissions");
    expect(request, collector.spans.map((s) => s.name).join(", ")).toBeDefined();
    expect(request!.kind).toBe(2); // SERVER
    const status = request!.attributes.find((a) => a.key === "http.response.status_code")?.value;
    expect(status).toEqual({ intValue: 202 });
    const grading = collector.spans.find((s) => s.name === "grading");
    expect(grading).toMatchObject({ traceId: request!.traceId, parentSpanId: request!.spanId });
    const attr = (s: OtlpSpan, k: string) => s.attributes.find((a) => a.key === k)?.value;
    expect(attr(grading!, "backlab.submission.id")).toEqual({ intValue: sub.body.submission.id });
    const phases = collector.spans.filter((s) => s.parentSpanId === grading!.spanId);
    const names = phases.map((s) => s.name);
    for (const p of ["queue", "copy-in", "step"])
      expect(
        names.some((n) => n.startsWith(p)),
        names.join(", "),
      ).toBe(true);
    for (const p of phases) {
      expect(p.traceId).toBe(grading!.traceId);
      expect(BigInt(p.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(grading!.startTimeUnixNano) - 5_000_000n);
      expect(BigInt(p.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(grading!.endTimeUnixNano) + 5_000_000n);
    }
    const graded = lines.find((l) => l.msg === "graded" && l.submission === sub.body.submission.id);
    expect(graded).toMatchObject({ trace_id: grading!.traceId, span_id: grading!.spanId });
    // A request's own span: other API calls are traced too, each under its route's template.
    expect(collector.spans.some((s) => s.name === "GET /api/submissions/:id")).toBe(true);
  }, 180_000);
});
