import { createWithin, type SandboxDriver, type SandboxSpec } from "../sandbox/port.ts";
import { servicesEnv, startServices } from "../services/start.ts";
import { serviceNames, type ServiceUse } from "../services/use.ts";

/**
 * A mutation run's sandbox with the exercise's backing services (`services: [postgres]`):
 * every run — the reference and each mutant — gets servers of its own, started fresh from
 * the prepared template in that run's sandbox, so no mutant sees what another one wrote.
 * Resolves once they accept connections; the sandbox is stopped if one does not start.
 */
export async function createWithServices(
  driver: SandboxDriver,
  spec: SandboxSpec,
  withinMs: number,
  services: readonly ServiceUse[],
) {
  if (!services.length) return createWithin(driver, spec, withinMs);
  const deadline = Date.now() + withinMs;
  const sandbox = await createWithin(
    driver,
    { ...spec, services: serviceNames(services), env: { ...spec.env, ...servicesEnv(services) } },
    withinMs,
  );
  try {
    await startServices(sandbox, services, deadline);
  } catch (err) {
    await sandbox.stop();
    throw err;
  }
  return sandbox;
}
