/**
 * PostgreSQL with `{ replica: true }` and the lab's admin requests, in real bwrap sandboxes:
 * a hot standby streaming from the primary, replay paused and resumed, statement statistics
 * read from the server, the primary stopped and started again.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, SandboxDriver } from "../../sandbox/port.ts";
import { openTestDriver } from "../../sandbox/testing.ts";
import type { RunningService, ServiceAdminRequest } from "../port.ts";
import { servicesEnv, startServices } from "../start.ts";
import type { ServiceUse } from "../use.ts";

let root: string;
let driver: SandboxDriver;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-pgr-"));
  fs.chmodSync(root, 0o711);
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `pgr${process.pid}` });
}, 120_000);
afterAll(async () => {
  await driver?.reap();
  fs.rmSync(root, { recursive: true, force: true });
});

async function sandboxWith(use: ServiceUse): Promise<{ sb: Sandbox; pg: RunningService }> {
  const uid = 276_000 + (process.pid % 1000) * 10 + ++n;
  const ws = path.join(root, `ws-${n}`);
  fs.mkdirSync(ws);
  fs.chownSync(ws, uid, uid);
  const sb = await driver.create({
    name: `pgr-${process.pid}-${n}`,
    runtime: "node20",
    workspaceDir: ws,
    limits: { memoryMb: 512, pids: 128, cpuSeconds: 60, cpus: 1, fileSizeMb: 64, tmpMb: 128, openFiles: 1024 },
    uid,
    network: "none",
    services: ["postgres"],
    env: servicesEnv([use]),
  });
  const [pg] = await startServices(sb, [use], Date.now() + 30_000);
  return { sb, pg: pg! };
}

async function psql(sb: Sandbox, url: "DATABASE_URL" | "DATABASE_REPLICA_URL", sql: string) {
  const p = sb.exec(["/bin/sh", "-c", `psql "$${url}" -Atq -v ON_ERROR_STOP=1 -c "${sql}" 2>&1`], {
    timeoutMs: 20_000,
  });
  p.end();
  let out = "";
  p.onData((c) => (out += c.toString()));
  const exit = await p.wait();
  return { code: exit.code, out: out.trim() };
}

const admin = (pg: RunningService, req: ServiceAdminRequest) => pg.admin!(req) as Promise<Record<string, unknown>>;

describe("postgres { replica: true } on bwrap", () => {
  it("starts a hot standby that streams the primary's writes; replay pauses and resumes", async () => {
    const t0 = Date.now();
    const { sb, pg } = await sandboxWith({ postgres: { replica: true } });
    console.log(
      `primary + replica accepting and streaming after ${pg.startMs} ms (sandbox included: ${Date.now() - t0} ms)`,
    );
    try {
      expect((await psql(sb, "DATABASE_URL", "create table t (v int); insert into t values (1)")).code).toBe(0);
      await expect.poll(async () => (await psql(sb, "DATABASE_REPLICA_URL", "select count(*) from t")).out).toBe("1");
      const ro = await psql(sb, "DATABASE_REPLICA_URL", "insert into t values (2)");
      expect(ro.out).toMatch(/read-only transaction/);

      const paused = await admin(pg, { op: "pauseReplay" });
      expect(paused.state).toMatch(/pause/);
      await psql(sb, "DATABASE_URL", "insert into t values (3)");
      const lag = await admin(pg, { op: "replication" });
      expect(lag.primaryLsn).not.toBe(lag.replayLsn);
      expect((await psql(sb, "DATABASE_REPLICA_URL", "select count(*) from t")).out).toBe("1");
      expect((await admin(pg, { op: "resumeReplay" })).state).toBe("not paused");
      await expect.poll(async () => (await psql(sb, "DATABASE_REPLICA_URL", "select count(*) from t")).out).toBe("2");
    } finally {
      await sb.stop();
    }
  });

  it("reads pg_stat_statements from the server and stops/starts the primary on the same data", async () => {
    const { sb, pg } = await sandboxWith("postgres");
    try {
      expect(sb.spec.env?.DATABASE_REPLICA_URL).toBeUndefined();
      await expect(admin(pg, { op: "pauseReplay" })).rejects.toThrow(/no replica/);
      await psql(sb, "DATABASE_URL", "create table k (v int)");
      for (let i = 0; i < 3; i++) await psql(sb, "DATABASE_URL", `select count(*) from k where v = ${i}`);
      const stats = (await pg.admin!({ op: "statements", server: "primary", reset: true })) as {
        query: string;
        calls: number;
      }[];
      expect(stats.find((s) => /from k where v = \$1/.test(s.query))?.calls).toBe(3);
      const after = (await pg.admin!({ op: "statements", server: "primary", reset: false })) as unknown[];
      expect(after.length).toBeLessThan(stats.length);

      expect((await admin(pg, { op: "stop" })).stopped).toBe(true);
      expect((await psql(sb, "DATABASE_URL", "select 1")).code).not.toBe(0);
      const started = await admin(pg, { op: "start" });
      console.log(`postgres stopped and started again: start ${String(started.ms)} ms`);
      expect((await psql(sb, "DATABASE_URL", "select count(*) from k")).out).toBe("0");
    } finally {
      await sb.stop();
    }
  });
});
