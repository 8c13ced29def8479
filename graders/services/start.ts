import type { Sandbox } from "../sandbox/port.ts";
import type { RunningService } from "./port.ts";
import { backingService } from "./registry.ts";
import { serviceName, serviceOptions, type ServiceUse } from "./use.ts";

/** What every process of a sandbox with these services sees (DATABASE_URL, …). */
export function servicesEnv(uses: readonly ServiceUse[]): Record<string, string> {
  return Object.assign(
    {},
    ...uses.map((u) => {
      const s = backingService(serviceName(u));
      return s.envFor ? s.envFor(serviceOptions(u)) : s.env;
    }),
  ) as Record<string, string>;
}

/**
 * Starts an exercise's backing services in a sandbox created with `services: serviceNames(uses)`, all at
 * once; resolves when every one accepts connections. One that fails stops the others.
 */
export async function startServices(sandbox: Sandbox, uses: readonly ServiceUse[], deadline: number) {
  const started = await Promise.allSettled(
    uses.map((u) => backingService(serviceName(u)).start(sandbox, deadline, serviceOptions(u))),
  );
  const running = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    await Promise.all(running.map((r) => r.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return running as RunningService[];
}
