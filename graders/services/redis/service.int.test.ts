/**
 * Redis as a backing service in real bwrap sandboxes: reachable through REDIS_URL, fresh per
 * sandbox, gone with it; and the commands that aim it past the sandbox are refused.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, SandboxDriver } from "../../sandbox/port.ts";
import { openTestDriver } from "../../sandbox/testing.ts";
import { servicesEnv, startServices } from "../start.ts";

let root: string;
let outside: string;
let driver: SandboxDriver;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-redis-"));
  fs.chmodSync(root, 0o711);
  outside = path.join(root, "outside");
  fs.mkdirSync(outside, { mode: 0o777 });
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `rd${process.pid}` });
}, 300_000);
afterAll(async () => {
  await driver?.reap();
  fs.rmSync(root, { recursive: true, force: true });
});

async function sandboxWithRedis(): Promise<{ sb: Sandbox; uid: number; startMs: number }> {
  const uid = 297_000 + (process.pid % 500) * 2 + ++n;
  const ws = path.join(root, `ws-${n}`);
  fs.mkdirSync(ws);
  fs.chownSync(ws, uid, uid);
  const sb = await driver.create({
    name: `rdt-${process.pid}-${n}`,
    runtime: "node20",
    workspaceDir: ws,
    limits: { memoryMb: 256, pids: 64, cpuSeconds: 60, cpus: 1, fileSizeMb: 64, tmpMb: 64, openFiles: 1024 },
    uid,
    network: "none",
    services: ["redis"],
    env: servicesEnv(["redis"]),
  });
  const [redis] = await startServices(sb, ["redis"], Date.now() + 30_000);
  return { sb, uid, startMs: redis!.startMs };
}

async function cli(sb: Sandbox, ...args: string[]): Promise<string> {
  const p = sb.exec(["/bin/sh", "-c", 'redis-cli -u "$REDIS_URL" "$@" 2>&1', "sh", ...args], { timeoutMs: 20_000 });
  p.end();
  let out = "";
  p.onData((c) => (out += c.toString()));
  await p.wait();
  return out.trim();
}

describe("the redis backing service on bwrap", () => {
  it("answers on REDIS_URL, is fresh for every sandbox and stops with it", async () => {
    const a = await sandboxWithRedis();
    const b = await sandboxWithRedis();
    try {
      expect(a.startMs).toBeGreaterThan(0);
      expect(await cli(a.sb, "SET", "k", "only-in-a")).toBe("OK");
      expect(await cli(a.sb, "GET", "k")).toBe("only-in-a");
      expect(await cli(b.sb, "EXISTS", "k")).toBe("0");
    } finally {
      await a.sb.stop();
      await b.sb.stop();
    }
    const left = () => {
      try {
        return execFileSync("ps", ["-o", "pid=", "-u", `${a.uid},${b.uid}`], { encoding: "utf8" }).trim();
      } catch {
        return "";
      }
    };
    await expect.poll(left, { timeout: 5000 }).toBe("");
  });

  it("refuses CONFIG SET dir/dbfilename, MODULE LOAD and DEBUG; what it saves stays in the sandbox", async () => {
    const { sb } = await sandboxWithRedis();
    try {
      expect(await cli(sb, "CONFIG", "SET", "dir", outside)).toMatch(/can't set protected config/);
      expect(await cli(sb, "CONFIG", "SET", "dbfilename", "../../etc/cron.d/x")).toMatch(/can't set protected config/);
      expect(await cli(sb, "MODULE", "LOAD", "/usr/lib/x86_64-linux-gnu/libc.so.6")).toMatch(
        /MODULE command not allowed/,
      );
      expect(await cli(sb, "DEBUG", "SLEEP", "0")).toMatch(/DEBUG command not allowed/);
      expect(await cli(sb, "CONFIG", "GET", "dir")).toMatch(/^dir\n\/tmp$/);
      expect(await cli(sb, "SAVE")).toBe("OK");
    } finally {
      await sb.stop();
    }
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.existsSync("/tmp/dump.rdb")).toBe(false);
  });
});
