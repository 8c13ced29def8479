/**
 * PostgreSQL as a backing service, in real bwrap sandboxes: started from the template inside
 * the sandbox's own network, several connections at once, fresh per sandbox, the learner's
 * role not a superuser, gone with the sandbox.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, SandboxDriver, SandboxLimits } from "../../sandbox/port.ts";
import { openTestDriver } from "../../sandbox/testing.ts";
import type { RunningService } from "../port.ts";
import { servicesEnv, startServices } from "../start.ts";

const LIMITS: SandboxLimits = {
  memoryMb: 512,
  pids: 128,
  cpuSeconds: 60,
  cpus: 1,
  fileSizeMb: 64,
  tmpMb: 128,
  openFiles: 1024,
};

let root: string;
let driver: SandboxDriver;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-pg-"));
  fs.chmodSync(root, 0o711);
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `pg${process.pid}` });
}, 120_000);
afterAll(async () => {
  await driver?.reap();
  fs.rmSync(root, { recursive: true, force: true });
});

async function sandboxWithPostgres(): Promise<{ sb: Sandbox; pg: RunningService; uid: number }> {
  const uid = 275_000 + (process.pid % 1000) * 10 + ++n;
  const ws = path.join(root, `ws-${n}`);
  fs.mkdirSync(ws);
  fs.chownSync(ws, uid, uid);
  const sb = await driver.create({
    name: `pgt-${process.pid}-${n}`,
    runtime: "node20",
    workspaceDir: ws,
    limits: LIMITS,
    uid,
    network: "none",
    services: ["postgres"],
    env: servicesEnv(["postgres"]),
  });
  const [pg] = await startServices(sb, ["postgres"], Date.now() + 30_000);
  return { sb, pg: pg!, uid };
}

async function run(sb: Sandbox, script: string) {
  const p = sb.exec(["/bin/sh", "-c", script], { timeoutMs: 20_000 });
  p.end();
  let out = "";
  p.onData((c) => (out += c.toString()));
  const exit = await p.wait();
  return { code: exit.code, out };
}

describe("the postgres backing service on bwrap", () => {
  it("starts from the template, is reachable through DATABASE_URL and serves concurrent connections", async () => {
    const { sb, pg } = await sandboxWithPostgres();
    try {
      expect(pg.startMs).toBeGreaterThan(0);
      const setup = await run(
        sb,
        `psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -Atq -c "create table t (id int primary key); insert into t values (1)" -c "select current_user, current_database()"`,
      );
      expect(setup.out.trim()).toBe("learner|app");
      expect(setup.code).toBe(0);

      // One connection holds a row lock; a second, at the same time, cannot take it.
      const holder = sb.exec(["psql", "-At", "-v", "ON_ERROR_STOP=1"], {});
      let held = "";
      holder.onData((c) => (held += c.toString()));
      holder.write("begin;\nselect 'locked:' || id from t where id = 1 for update;\n");
      await expect.poll(() => held, { timeout: 10_000 }).toMatch(/locked:1/);
      const second = await run(sb, `psql -At -c "select id from t where id = 1 for update nowait" 2>&1`);
      expect(second.out).toMatch(/could not obtain lock on row/);
      holder.write("commit;\n");
      holder.end();
      expect((await holder.wait()).code).toBe(0);
      const after = await run(sb, `psql -At -c "select id from t where id = 1 for update nowait"`);
      expect(after.out.trim()).toBe("1");
    } finally {
      await sb.stop();
    }
  });

  it("is fresh for every sandbox, runs as the sandbox's user and stops with it", async () => {
    const a = await sandboxWithPostgres();
    const b = await sandboxWithPostgres();
    try {
      expect((await run(a.sb, `psql -Atc "create table only_in_a (x int)"`)).code).toBe(0);
      const seen = await run(b.sb, `psql -Atc "select count(*) from pg_tables where tablename = 'only_in_a'"`);
      expect(seen.out.trim()).toBe("0");
      const owners = execFileSync("ps", ["-o", "user:20=", "-C", "postgres"]).toString();
      expect(owners).toContain(String(a.uid));
      expect(owners).not.toMatch(/^\s*(root|postgres)\s*$/m);
    } finally {
      await a.sb.stop();
      await b.sb.stop();
    }
    // The kernel ends a pid namespace's processes after its init: a moment, not at once.
    const left = () => {
      try {
        return execFileSync("ps", ["-o", "pid=,stat=,comm=", "-u", `${a.uid},${b.uid}`], { encoding: "utf8" }).trim();
      } catch {
        return ""; // ps exits 1 when it lists nothing
      }
    };
    await expect.poll(left, { timeout: 5000 }).toBe("");
  });

  it("gives the learner a role without superuser or server-file rights", async () => {
    const { sb } = await sandboxWithPostgres();
    try {
      const r = await run(
        sb,
        `psql -At -c "select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user"; ` +
          `psql -At -c "select pg_has_role(current_user, 'pg_execute_server_program', 'member')"; ` +
          `psql -At -U postgres -c "select 1" 2>&1`,
      );
      const [flags, member, asSuperuser] = r.out.trim().split("\n");
      expect(flags).toBe("f|f|f");
      expect(member).toBe("f");
      expect(asSuperuser).toMatch(/pg_hba\.conf rejects connection|no pg_hba\.conf entry/);
    } finally {
      await sb.stop();
    }
  });
});
