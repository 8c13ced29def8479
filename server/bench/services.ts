import { allServices } from "../../graders/services/registry.ts";
import { servicesEnv, startServices } from "../../graders/services/start.ts";
import type { Harness } from "./harness.ts";
import type { Row } from "./report.ts";
import { distribution } from "./stats.ts";

/** Issue 17's target: a grading's PostgreSQL accepts connections within 300 ms of its start on bwrap. */
export const SERVICE_START_TARGET_MS = 300;

/**
 * Each backing service started n times in a fresh sandbox (as a grading does): from the start
 * command to the server's own "ready" line, the copy of its template included.
 */
export async function serviceStartRows(h: Harness, n: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const service of allServices()) {
    const ms: number[] = [];
    // One untimed round first: the template is prepared (once) and its files cached.
    for (let i = -1; i < n; i++) {
      const spec = h.spec("svc");
      spec.limits = { ...spec.limits, tmpMb: 128, memoryMb: 512 };
      const sb = await h.create({ ...spec, services: [service.name], env: servicesEnv([service.name]) });
      try {
        const [running] = await startServices(sb, [service.name], Date.now() + 30_000);
        if (i >= 0) ms.push(running!.startMs);
      } finally {
        await h.stop(sb);
      }
    }
    const d = distribution(ms);
    rows.push({
      driver: h.kind,
      metric: `backing service ${service.name}: start → accepting connections`,
      unit: "ms",
      ...d,
      target: `p50 ≤ ${SERVICE_START_TARGET_MS} ms`,
      met: d.p50 <= SERVICE_START_TARGET_MS,
    });
  }
  return rows;
}
