// A setup file of vitest's integration project: the engine's integration tests get real
// sandbox drivers from the lab's composition root, built on the test runtimes.
import { provideDrivers } from "../../graders/sandbox/testing.ts";
import { buildDriver } from "../drivers.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";

provideDrivers((name, opts) =>
  buildDriver(name, { ...opts, runtimeDir: TEST_RUNTIME_DIR, log: () => {}, installRuntimes: true }),
);
