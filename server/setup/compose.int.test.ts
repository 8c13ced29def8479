/**
 * The documented deployment, built and started for real (issue 20): the lab's own image built
 * offline from the debootstrap base (`backlab images --lab`), started by Debian's
 * docker-compose from docker/compose.yaml as it ships, its health check watched, an exercise
 * graded through it (sandboxes are sibling containers on this engine), then restarted: the
 * account, the session and the graded submission are still there. Nothing skips: no Docker
 * engine or docker-compose fails the run.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../config.ts";
import { Client, purgeDataDir, waitForResult } from "../test/lab.ts";
import { ensureDocker } from "./docker.ts";
import { buildLabImage } from "./lab-image.ts";
import { TEST_RUNTIME_DIR } from "./runtime.ts";
import { ensurePackage } from "./system.ts";

const COMPOSE_FILE = path.join(ROOT_DIR, "docker", "compose.yaml");
const PROJECT = `backlabct${process.pid}`;
const log = () => {};

let dataDir = "";
let port = 0;
let base = "";

function compose(...args: string[]): string {
  return execFileSync("docker-compose", ["-f", COMPOSE_FILE, "-p", PROJECT, ...args], {
    env: { ...process.env, BACKLAB_PORT: String(port), BACKLAB_DATA: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 300_000,
  }).toString();
}

function health(): string {
  const id = compose("ps", "-q", "backlab").trim();
  return execFileSync("docker", ["inspect", "--format", "{{.State.Health.Status}}", id]).toString().trim();
}

/** The API answers, then Docker's own health check (compose.yaml's `healthcheck:`) says healthy. */
async function untilHealthy(): Promise<void> {
  const until = Date.now() + 240_000;
  let last = "";
  while (Date.now() < until) {
    const ok = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.ok,
      () => false,
    );
    last = ok ? health() : "not answering";
    if (last === "healthy") return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the lab's container is not healthy (${last}); its log:\n${compose("logs", "--tail", "40")}`);
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

describe("the compose deployment, offline", () => {
  beforeAll(async () => {
    await ensureDocker(log);
    ensurePackage("docker-compose", "docker-compose", log);
    await buildLabImage({ runtimesRoot: TEST_RUNTIME_DIR, log });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-compose-"));
    fs.chmodSync(dataDir, 0o711);
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    compose("up", "-d", "--no-build");
    await untilHealthy();
  }, 900_000);

  afterAll(async () => {
    if (!dataDir) return;
    try {
      compose("down", "-v", "--timeout", "20");
    } finally {
      await purgeDataDir(dataDir);
    }
  }, 120_000);

  let learner: Client;
  let submission = 0;
  let graded: Record<string, unknown>;

  it("starts healthy on the Docker driver and grades an exercise through it", async () => {
    expect(await (await fetch(`${base}/api/health`)).json()).toMatchObject({
      status: "ok",
      sandbox: { driver: "docker" },
    });
    learner = await Client.signup(base, "compose");
    expect((await learner.json("POST", "/api/exercises/token-bucket/workspace", {})).status).toBeLessThan(300);
    const sent = await learner.json<{ submission: { id: number } }>(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
    );
    expect(sent.status).toBe(202);
    submission = sent.body.submission.id;
    graded = await waitForResult(learner, submission, 180_000);
    // The starter, graded honestly: some tests pass, not all.
    expect(graded).toMatchObject({ status: "fail", max_score: 100 });
    expect(graded.score).toBeGreaterThan(0);
    expect(graded.score).toBeLessThan(100);
  }, 240_000);

  it("keeps the account, the session and the result across a restart", async () => {
    compose("restart", "--timeout", "20");
    await untilHealthy();
    expect((await learner.json("GET", "/api/auth/me")).status).toBe(200);
    const { body } = await learner.json<{ submission: { status: string; result: Record<string, unknown> } }>(
      "GET",
      `/api/submissions/${submission}`,
    );
    expect(body.submission.status).toBe("done");
    expect(body.submission.result.score).toBe(graded.score);
  }, 300_000);
});
