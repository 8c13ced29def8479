import { setTimeout as sleep } from "node:timers/promises";
import { inSpan } from "./tracing/spans.ts";

// The reporting store is being migrated and is down: every read fails. A route that fails
// for a reason of our own is what a trace must make obvious.

export function loadDailyReport(): Promise<{ orders: number }> {
  return inSpan("reports.load", { "report.name": "daily" }, async () => {
    await sleep(3);
    throw new Error("report store unavailable");
  });
}
