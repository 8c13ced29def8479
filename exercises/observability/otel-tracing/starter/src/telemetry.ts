import { trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

// The tracing SDK, set up once, before anything creates a span (server.ts imports this first).
// Spans go over OTLP/HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, in batches
// every OTEL_BSP_SCHEDULE_DELAY ms: the exporter and the processor read those variables.

const provider = new NodeTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();

export const tracer = trace.getTracer("shop-api");

/** Exports what is still buffered; call before the process exits or spans are lost. */
export function shutdownTelemetry(): Promise<void> {
  return provider.shutdown();
}
