import type { OpenDriver, SandboxDriver } from "./port.ts";

/**
 * Real drivers for the engine's own integration tests. The engine never builds a driver: the
 * lab's composition root does (server/drivers.ts), and the integration project's setup file
 * (server/test/drivers.setup.ts, see vitest.config.ts) hands its builder over here before each
 * test file. So a kind's golden tests stay in the kind's folder and run in real sandboxes,
 * while graders/ imports nothing of the lab.
 */
let provided: OpenDriver | undefined;

export function provideDrivers(open: OpenDriver): void {
  provided = open;
}

export const openTestDriver: OpenDriver = (name, opts): Promise<SandboxDriver> => {
  if (!provided)
    throw new Error(
      "no sandbox drivers were provided: the engine's integration tests run in vitest's integration project, whose setup file (server/test/drivers.setup.ts) provides the lab's",
    );
  return provided(name, opts);
};
