import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ROOT_DIR } from "../config.ts";
import { labIdFor } from "../main.ts";
import { DockerDriver } from "../sandbox/docker/driver.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { Client, purgeDataDir, waitForResult } from "../test/lab.ts";

const children: ChildProcess[] = [];
const dataDirs: string[] = [];

/** Starts `backlab serve` as its own process, the way `npm start` does. */
async function serve(dataDir: string, driver: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT_DIR, "server", "bin", "backlab.js"), "serve"], {
    env: {
      ...process.env,
      PORT: "0",
      DATA_DIR: dataDir,
      RUNTIME_DIR: TEST_RUNTIME_DIR,
      LOG_LEVEL: "warn",
      SANDBOX_DRIVER: driver,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`backlab serve exited (${code}): ${err}`)));
  });
  return { url, child };
}

const kill9 = async (child: ChildProcess) => {
  child.kill("SIGKILL");
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
};

/** Opens a terminal, runs a command, and leaves the socket open. */
async function terminal(
  url: string,
  cookie: string,
  wsId: number,
  command: string,
  expect: RegExp,
): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace("http", "ws")}/api/workspaces/${wsId}/terminal`, {
    headers: { origin: url, cookie },
  });
  let screen = "";
  socket.on("message", (d, binary) => {
    if (binary) screen += d.toString();
  });
  await new Promise((r) => socket.once("open", r));
  const until = Date.now() + 20_000;
  while (!/\$ \S*$/.test(screen) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  socket.send(Buffer.from(`${command}\r`));
  while (!expect.test(screen) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  if (!expect.test(screen)) throw new Error(`terminal never showed ${expect}: ${JSON.stringify(screen.slice(-300))}`);
  return socket;
}

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
  // kill -9 leaves mounts and containers behind, as a crash would.
  for (const dataDir of dataDirs) await purgeDataDir(dataDir);
});

describe.each(["bwrap", "docker"])("kill -9 of the lab (%s driver)", (driver) => {
  it("grades every acknowledged submission after a restart, once", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `backlab-kill9-${driver}-`));
    dataDirs.push(dataDir);
    const first = await serve(dataDir, driver);
    const client = await Client.signup(first.url, "durable");
    expect((await client.json("POST", "/api/exercises/token-bucket/workspace", {})).status).toBe(200);
    const acks: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ack = await client.json<{ submission: { id: number } }>(
        "POST",
        "/api/exercises/token-bucket/submissions",
        {},
      );
      expect(ack.status).toBe(202);
      acks.push(ack.body.submission.id);
    }
    await kill9(first.child);

    const second = await serve(dataDir, driver);
    const again = new Client(second.url);
    again.cookie = client.cookie; // sessions are in the database too
    for (const id of acks) {
      const result = await waitForResult(again, id);
      expect(result).toMatchObject({ status: "fail", max_score: 100 });
    }
    const { body } = await again.json<{ submissions: { id: number }[] }>(
      "GET",
      "/api/exercises/token-bucket/submissions",
    );
    expect(body.submissions.map((s) => s.id).sort()).toEqual([...acks].sort());
    second.child.kill("SIGTERM");
    await new Promise((r) => second.child.once("exit", r));
  });

  if (driver === "docker") {
    it("leaves no orphan containers and re-adopts a live workspace's container", async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-kill9-adopt-"));
      dataDirs.push(dataDir);
      const first = await serve(dataDir, driver);
      const client = await Client.signup(first.url, "adopter");
      const wsId = (
        await client.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {})
      ).body.workspace.id;
      // Something long-running in the workspace's sandbox, started from the terminal.
      const socket = await terminal(
        first.url,
        client.cookie,
        wsId,
        "(sleep 600 &) ; echo started-$((2*21))",
        /started-42/,
      );
      socket.terminate();
      const sub = (
        await client.json<{ submission: { id: number } }>("POST", "/api/exercises/token-bucket/submissions", {})
      ).body.submission.id;
      // Kill while the submission is being graded in its own container.
      const docker = new DockerDriver({ images: () => "", labId: "", stateDir: dataDir }).docker;
      const prefix = `/backlab-${labIdFor(dataDir)}-`;
      const mine = async () =>
        (await docker.listContainers({ all: true, filters: { label: [`backlab.lab=${labIdFor(dataDir)}`] } })).map(
          (c) => ({ ...c, sandbox: c.Names[0]!.slice(prefix.length) }),
        );
      const until = Date.now() + 20_000;
      while (!(await mine()).some((c) => c.sandbox.startsWith("grade-")) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      await kill9(first.child);
      const before = await mine();
      const wsContainer = before.find((c) => c.sandbox === `ws-${wsId}`);
      expect(wsContainer).toBeDefined();
      const orphans = before.filter((c) => c !== wsContainer).map((c) => c.Id);
      expect(before.some((c) => c.sandbox.startsWith("grade-"))).toBe(true);

      const second = await serve(dataDir, driver);
      const after = (await mine()).map((c) => c.Id);
      expect(after).toContain(wsContainer!.Id);
      for (const id of orphans) expect(after).not.toContain(id);
      const again = new Client(second.url);
      again.cookie = client.cookie;
      expect((await waitForResult(again, sub)).status).toBe("fail");
      // Reattached: the process started before the crash is still there, in the same container.
      const s2 = await terminal(
        second.url,
        again.cookie,
        wsId,
        "echo sleeping=$(for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done | grep -cx 'sleep 600 ')",
        /sleeping=1\r\n/,
      );
      s2.terminate();
      expect((await mine()).filter((c) => !c.sandbox.startsWith("pool-")).map((c) => c.Id)).toEqual([wsContainer!.Id]);
      second.child.kill("SIGTERM");
      await new Promise((r) => second.child.once("exit", r));
    });
  }
});
