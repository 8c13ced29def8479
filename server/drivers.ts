import crypto from "node:crypto";
import fs from "node:fs";
import { Limits, sandboxLimits } from "../graders/exercise/schema.ts";
import type { OpenDriver, SandboxDriver } from "../graders/sandbox/port.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { BwrapDriver } from "./sandbox/bwrap/driver.ts";
import { DockerDriver } from "./sandbox/docker/driver.ts";
import { makeTraversable } from "./sandbox/util.ts";
import { dockerAvailable, ensureDocker } from "./setup/docker.ts";
import { ensureImages } from "./setup/images.ts";
import { ensureRuntime, runtimeDir } from "./setup/runtime.ts";
import { ensureService } from "./setup/services.ts";
import { ensurePackage } from "./setup/system.ts";

/**
 * The composition root of sandboxes: the one file that names a concrete driver. The lab
 * (`selectDriver`), the authoring CLI (`authoringDrivers`) and the engine's integration tests
 * (server/test/drivers.setup.ts) all get theirs here; everything else sees the engine's port
 * (graders/sandbox/port.ts). A Kubernetes driver is a new folder and one more case below.
 */

export class StartupError extends Error {}

export type DriverName = "bwrap" | "docker";

export type DriverProps = {
  /** Names this lab's sandboxes (cgroups, containers) apart from another lab's on the same host. */
  labId: string;
  /** The driver's own generated files (passwd, bashrc, the warm pool's slots). */
  stateDir: string;
  runtimeDir: string;
  log: (message: string) => void;
  /** Warm Docker containers per runtime (0: none). */
  poolSize?: number;
  /**
   * Install a missing runtime when a sandbox first needs it (a one-off command). The lab
   * installs every runtime at start instead: a sandbox start never blocks on `npm ci`.
   */
  installRuntimes?: boolean;
};

export async function buildDriver(name: DriverName, p: DriverProps): Promise<SandboxDriver> {
  if (name === "docker") {
    await ensureDocker(p.log);
    const images = await ensureImages({ runtimesRoot: p.runtimeDir, log: p.log });
    return new DockerDriver({
      images: (r) => images[r] ?? missingImage(r),
      labId: p.labId,
      stateDir: p.stateDir,
      poolSize: p.poolSize ?? 0,
      poolLimits: sandboxLimits(Limits.parse({}), { cpuSeconds: 600 }),
    });
  }
  const runtimes = p.installRuntimes
    ? (r: string) => ensureRuntime(p.runtimeDir, r)
    : (r: string) => runtimeDir(p.runtimeDir, r);
  // A stat once prepared (by setup or the lab's start); the first sandbox that needs one otherwise.
  const services = (name: string) => ensureService(p.runtimeDir, name, p.log);
  return new BwrapDriver({ stateDir: p.stateDir, runtimes, labId: p.labId, services });
}

function missingImage(runtime: string): never {
  throw new StartupError(`no sandbox image for runtime "${runtime}"`);
}

export function labIdFor(dataDir: string): string {
  return crypto.createHash("sha256").update(dataDir).digest("hex").slice(0, 8);
}

/**
 * The lab's driver: `auto` takes Docker when its socket answers, else bubblewrap, else stops
 * with one line saying what to install.
 */
export async function selectDriver(config: Config, log: Logger): Promise<SandboxDriver> {
  for (const dir of [config.dataDir, config.runtimeDir]) {
    fs.mkdirSync(dir, { recursive: true });
    const changed = makeTraversable(dir);
    if (changed.length)
      log.warn({ folders: changed }, "granted search permission (o+x) so sandbox users can reach their mounts");
  }
  let choice = config.sandboxDriver;
  if (choice === "auto") choice = (await dockerAvailable()).ok ? "docker" : "bwrap";
  if (choice === "bwrap") ensurePackage("bwrap", "bubblewrap", (m) => log.info(m));
  const driver = await buildDriver(choice, {
    labId: labIdFor(config.dataDir),
    stateDir: config.dataDir,
    runtimeDir: config.runtimeDir,
    log: (m) => log.info(m),
    poolSize: config.sandboxPoolSize,
  });
  const status = await driver.available();
  if (!status.ok) {
    const why =
      choice === "docker"
        ? "the docker sandbox driver is not available"
        : config.sandboxDriver === "auto"
          ? "no sandbox driver available (Docker does not answer and bubblewrap fails)"
          : "the bwrap sandbox driver is not available";
    throw new StartupError(`${why}: ${status.reason}. Fix: ${status.fix}`);
  }
  log.info({ driver: driver.name, ...status.details }, "sandbox driver ready");
  return driver;
}

/** The drivers of `backlab exercise …` and `backlab grade`: runtimes installed on first use, no warm pool. */
export function authoringDrivers(config: Config, log: (message: string) => void): OpenDriver {
  return (name, o) => buildDriver(name, { ...o, runtimeDir: config.runtimeDir, log, installRuntimes: true });
}
