import type { Sandbox } from "../sandbox/port.ts";
import type { RunningService } from "./port.ts";
import { backingService } from "./registry.ts";

/** What every process of a sandbox with these services sees (DATABASE_URL, …). */
export function servicesEnv(names: readonly string[]): Record<string, string> {
  return Object.assign({}, ...names.map((n) => backingService(n).env)) as Record<string, string>;
}

/**
 * Starts an exercise's backing services in a sandbox created with `services: names`, all at
 * once; resolves when every one accepts connections. One that fails stops the others.
 */
export async function startServices(sandbox: Sandbox, names: readonly string[], deadline: number) {
  const started = await Promise.allSettled(names.map((n) => backingService(n).start(sandbox, deadline)));
  const running = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(running.map((r) => r.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return running as RunningService[];
}
