import { trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

// The tracing SDK, set up once, before anything creates a span (server.ts imports this first).
//
// - The resource says which service every span comes from; without it a backend shows
//   "unknown_service:node".
// - OTLP over HTTP with JSON bodies to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (the exporter
//   reads the variable itself, default http://localhost:4318).
// - The batch processor exports in the background, every OTEL_BSP_SCHEDULE_DELAY ms (5000 by
//   default): requests never wait for the collector, and spans are sent in few requests.
// - register() installs the AsyncLocalStorage context manager (the "current span" follows
//   async code) and the W3C trace-context propagator (traceparent in and out).

const provider = new NodeTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();

export const tracer = trace.getTracer("shop-api", "1.4.0");

/** Exports what is still buffered; call before the process exits or spans are lost. */
export function shutdownTelemetry(): Promise<void> {
  return provider.shutdown();
}
