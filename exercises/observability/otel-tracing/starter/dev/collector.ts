// A tiny OTLP/HTTP collector for local runs, on :4318 (the exporter's default port): prints
// each span it receives as a tree line per trace. It reads OTLP/JSON, what
// @opentelemetry/exporter-trace-otlp-http sends.
//   tsx dev/collector.ts &
//   OTEL_BSP_SCHEDULE_DELAY=200 OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 tsx src/server.ts &
import http from "node:http";
import zlib from "node:zlib";

const port = Number(process.env.COLLECTOR_PORT ?? 4318);
const KINDS = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
const STATUS = ["UNSET", "OK", "ERROR"];

function value(v: any): unknown {
  if (!v) return v;
  return v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? JSON.stringify(v);
}

function attrs(list: any[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map((kv) => [kv.key, value(kv.value)]));
}

http
  .createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (/gzip/.test(req.headers["content-encoding"] ?? "")) body = zlib.gunzipSync(body);
      try {
        const payload = JSON.parse(body.toString("utf8"));
        for (const rs of payload.resourceSpans ?? []) {
          const resource = attrs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              const ms = (Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6).toFixed(1);
              console.log(
                `[collector] trace ${s.traceId} span ${s.spanId} parent ${s.parentSpanId || "-".padEnd(16)} ${KINDS[s.kind]} ${JSON.stringify(s.name)} ${ms} ms ` +
                  `status ${STATUS[s.status?.code ?? 0]} service.name=${resource["service.name"]}\n            ${JSON.stringify(attrs(s.attributes))}` +
                  (s.events?.length ? `\n            events: ${s.events.map((e: any) => `${e.name} ${JSON.stringify(attrs(e.attributes)).slice(0, 200)}`).join("; ")}` : ""),
              );
            }
          }
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch (err) {
        console.log(`[collector] could not read an export (${req.headers["content-type"]}): ${(err as Error).message}`);
        res.writeHead(400).end();
      }
    });
  })
  .listen(port, "127.0.0.1", () => console.log(`[collector] OTLP/HTTP on http://127.0.0.1:${port}/v1/traces`));
