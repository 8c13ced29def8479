import { currentContext } from "./context.ts";

export type Level = "debug" | "info" | "warn" | "error";
export type LogEntry = { timestamp: string; level: Level; msg: string; [field: string]: unknown };

const RECENT_MAX = 200;
const recent: LogEntry[] = [];

/**
 * One JSON object per line on stdout. Inside a request the line carries its request_id,
 * trace_id and span_id, so logs, traces and the caller's error report can be joined.
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  const ctx = currentContext();
  const entry: LogEntry = {
    timestamp: new Date().toISOString(),
    level,
    msg,
    ...(ctx && { request_id: ctx.requestId, trace_id: ctx.traceId, span_id: ctx.spanId }),
    ...fields,
  };
  process.stdout.write(JSON.stringify(entry) + "\n");
  recent.push(entry);
  if (recent.length > RECENT_MAX) recent.shift();
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log("error", msg, fields),
};

/** The last `n` lines, oldest first (for /debug/logs). */
export function recentLogs(n: number): LogEntry[] {
  return recent.slice(-Math.min(Math.max(n, 0), RECENT_MAX));
}

export const RECENT_LOGS_MAX = RECENT_MAX;
