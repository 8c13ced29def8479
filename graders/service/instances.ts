import type { ServiceSpec } from "../exercise/fields.ts";
import { BootError, Running, waitReady, type BootedService } from "./boot.ts";

/**
 * The base URL of every instance a step with `instances: n` runs: the first on the service's
 * port (the one booted as usual, which the control channel acts on), the others on the ports
 * after it. The hidden tests get them as SERVICE_URLS (comma-separated).
 */
export function instanceUrls(spec: ServiceSpec, instances: number): string[] {
  return Array.from({ length: instances }, (_, i) => `http://127.0.0.1:${spec.port + i}`);
}

/**
 * Starts instances 2…n of the learner's service next to the booted one: the same start
 * command in the same service sandbox (so the same backing services and env: one Redis, one
 * DATABASE_URL), each with its own PORT; resolves once every one answers its ready path.
 * They live for this step only: `stop()` kills them.
 */
export async function startExtraInstances(booted: BootedService, instances: number, deadline: number) {
  const base = booted.running.spec;
  const extra: Running[] = [];
  const stop = async () => {
    for (const r of extra) r.proc.kill("SIGKILL");
    await Promise.all(extra.map((r) => r.died));
  };
  try {
    for (let i = 1; i < instances; i++) {
      const spec = { ...base, port: base.port + i };
      const running = new Running(booted.service, spec, () => deadline);
      extra.push(running);
      await waitReady(running, booted.grader, spec, deadline);
    }
  } catch (err) {
    await stop();
    if (err instanceof BootError) {
      const log = extra.at(-1)?.log.text();
      err.message = `Instance ${extra.length + 1} of ${instances}: ${err.message}${log ? `\n\nService output:\n${log.slice(-1500)}` : ""}`;
    }
    throw err;
  }
  return { stop, logs: () => extra.map((r, i) => `[instance ${i + 2}]\n${r.log.text()}`).join("\n") };
}
