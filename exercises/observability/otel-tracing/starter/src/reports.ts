import { setTimeout as sleep } from "node:timers/promises";

// The reporting store is being migrated and is down: every read fails.

export async function loadDailyReport(): Promise<{ orders: number }> {
  await sleep(3);
  throw new Error("report store unavailable");
}
