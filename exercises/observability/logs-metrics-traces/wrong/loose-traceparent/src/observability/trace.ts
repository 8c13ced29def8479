import { randomBytes } from "node:crypto";
import { currentContext } from "./context.ts";

// W3C Trace Context, https://www.w3.org/TR/trace-context/#traceparent-header
// version "00" - trace-id (32 lowercase hex) - parent-id (16 lowercase hex) - trace-flags (2 hex)
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/i;

export type Traceparent = { traceId: string; parentId: string; flags: string };

/** The incoming traceparent, or null when it is missing or invalid (then a new trace starts). */
export function parseTraceparent(header: string | undefined): Traceparent | null {
  const m = TRACEPARENT.exec(header?.trim() ?? "");
  if (!m) return null;
  return { traceId: m[1]!, parentId: m[2]!, flags: m[3]! };
}

function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString("hex");
    if (/[^0]/.test(hex)) return hex; // all zeros is the "invalid" id
  }
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

export const formatTraceparent = (traceId: string, spanId: string, flags: string): string => `00-${traceId}-${spanId}-${flags}`;

/** Headers that carry the current request's trace (and request id) to a downstream call. */
export function propagationHeaders(): Record<string, string> {
  const ctx = currentContext();
  if (!ctx) return {};
  return { traceparent: formatTraceparent(ctx.traceId, ctx.spanId, ctx.flags), "x-request-id": ctx.requestId };
}
