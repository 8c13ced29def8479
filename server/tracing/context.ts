import { context, ROOT_CONTEXT, trace, type Context, type SpanContext } from "@opentelemetry/api";

// Only the OpenTelemetry API here (no SDK): the logger imports this in every process.

/** The span context active now, to carry across the queue (undefined when not tracing). */
export function activeSpanContext(): SpanContext | undefined {
  const sc = trace.getSpanContext(context.active());
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}

/** A context whose parent is `sc` (a request's span, remembered across the queue). */
export function contextFrom(sc: SpanContext | undefined): Context {
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** Log fields of the active span, so a log line can be found from its trace and back. */
export function traceFields(): Record<string, string> {
  const sc = activeSpanContext();
  return sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
}
