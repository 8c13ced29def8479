import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../config.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { Client, waitForResult } from "../test/lab.ts";
import { unmount } from "../workspaces/quota.ts";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-kill9-"));
const children: ChildProcess[] = [];

/** Starts `backlab serve` as its own process, the way `npm start` does. */
async function serve(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT_DIR, "server", "bin", "backlab.js"), "serve"], {
    env: { ...process.env, PORT: "0", DATA_DIR: dataDir, RUNTIME_DIR: TEST_RUNTIME_DIR, LOG_LEVEL: "warn", SANDBOX_DRIVER: "bwrap" },
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

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
  // kill -9 leaves the workspace filesystems mounted, as a crash would.
  for (const e of fs.readdirSync(path.join(dataDir, "workspaces"))) if (/^\d+$/.test(e)) unmount(path.join(dataDir, "workspaces", e));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("an acknowledged submission survives kill -9", () => {
  it("is graded after the lab is killed right after answering 202 and started again", async () => {
    const first = await serve();
    const client = await Client.signup(first.url, "durable");
    expect((await client.json("POST", "/api/exercises/token-bucket/workspace", {})).status).toBe(200);
    const ack = await client.json<{ submission: { id: number } }>("POST", "/api/exercises/token-bucket/submissions", {});
    expect(ack.status).toBe(202);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    const second = await serve();
    const again = new Client(second.url);
    again.cookie = client.cookie; // sessions are in the database too
    const result = await waitForResult(again, ack.body.submission.id);
    expect(result).toMatchObject({ status: "fail", max_score: 100 });
    expect(result.score as number).toBeGreaterThan(0);
    second.child.kill("SIGTERM");
    await new Promise((r) => second.child.once("exit", r));
  });
});
