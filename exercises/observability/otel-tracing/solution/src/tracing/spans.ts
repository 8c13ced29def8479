import { SpanKind, SpanStatusCode, type Attributes, type Span } from "@opentelemetry/api";
import { tracer } from "../telemetry.ts";

/** Records `err` on `span` as an exception event and marks the span failed. */
export function recordError(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * Runs `fn` in a new span that is a child of the active one and the active one while `fn`
 * runs; ends it however `fn` finishes, recording a thrown error.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}
