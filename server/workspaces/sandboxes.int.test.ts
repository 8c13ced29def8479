/**
 * A workspace of an exercise with `services: [postgres]`: its live sandbox runs its own
 * PostgreSQL, which the terminal reaches through the usual variables, and which stops with it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Exercise } from "../../graders/exercise/catalog.ts";
import { Limits } from "../../graders/exercise/schema.ts";
import type { SandboxDriver } from "../../graders/sandbox/port.ts";
import { buildDriver } from "../drivers.ts";
import { createLogger } from "../logger.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { WorkspaceSandboxes } from "./sandboxes.ts";

let root: string;
let driver: SandboxDriver;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-wspg-"));
  fs.chmodSync(root, 0o711);
  driver = await buildDriver("bwrap", {
    labId: `wspg${process.pid}`,
    stateDir: root,
    runtimeDir: TEST_RUNTIME_DIR,
    log: () => {},
    installRuntimes: true,
  });
}, 120_000);
afterAll(async () => {
  await driver?.reap();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a workspace sandbox with services: [postgres]", () => {
  it("starts the workspace's own PostgreSQL for its terminals and stops it with the sandbox", async () => {
    const uid = 295_000 + (process.pid % 1000);
    const dir = path.join(root, "ws");
    fs.mkdirSync(dir);
    fs.chownSync(dir, uid, uid);
    const exercise = { runtime: "node20", limits: Limits.parse({ tmp_mb: 128 }), services: ["postgres"] } as Exercise;
    const sandboxes = new WorkspaceSandboxes(driver, createLogger("silent"), 60_000);
    const sb = await sandboxes.acquire({ id: 1, userId: 1, exerciseId: "x", dir, uid }, exercise);
    try {
      const shell = sb.exec(["/bin/bash", "-i"], { tty: true });
      let screen = "";
      shell.onData((c) => (screen += c.toString()));
      shell.write(`echo "$DATABASE_URL"; psql -Atc "select 'answer:' || (6*7)"\r`);
      await expect.poll(() => screen, { timeout: 15_000 }).toMatch(/answer:42/);
      expect(screen).toContain("postgres://learner@127.0.0.1:5432/app");
      shell.kill("SIGKILL");
    } finally {
      await sandboxes.shutdown();
    }
    expect(await sb.poll()).toBe(false);
  }, 60_000);
});
