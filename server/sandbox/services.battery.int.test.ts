/**
 * The hostile battery for backing services: a learner who points the sandbox's PostgreSQL at
 * the host — programs, server-side files, large objects, the superuser — on bwrap (the
 * driver that runs backing services). Each attack is refused by PostgreSQL, and the last
 * shows that even a superuser of a cluster of the learner's own is confined by the sandbox:
 * nothing outside it is touched.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, SandboxDriver } from "../../graders/sandbox/port.ts";
import { servicesEnv, startServices } from "../../graders/services/start.ts";
import { buildDriver } from "../drivers.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";

let root: string;
/** A host folder no sandbox sees; every attack aims at it and at the host's own /tmp. */
let outside: string;
let driver: SandboxDriver;
let sb: Sandbox;
const marker = `backlab-pg-attack-${process.pid}`;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-pgatk-"));
  fs.chmodSync(root, 0o711);
  outside = path.join(root, "outside");
  fs.mkdirSync(outside, { mode: 0o777 });
  driver = await buildDriver("bwrap", {
    labId: `pgatk${process.pid}`,
    stateDir: root,
    runtimeDir: TEST_RUNTIME_DIR,
    log: () => {},
    installRuntimes: true,
  });
  const uid = 296_000 + (process.pid % 1000);
  const ws = path.join(root, "ws");
  fs.mkdirSync(ws);
  fs.chownSync(ws, uid, uid);
  sb = await driver.create({
    name: `pgatk-${process.pid}`,
    runtime: "node20",
    workspaceDir: ws,
    limits: { memoryMb: 512, pids: 128, cpuSeconds: 60, cpus: 1, fileSizeMb: 64, tmpMb: 128, openFiles: 1024 },
    uid,
    network: "none",
    services: ["postgres"],
    env: servicesEnv(["postgres"]),
  });
  await startServices(sb, ["postgres"], Date.now() + 30_000);
}, 120_000);

afterAll(async () => {
  await sb?.stop();
  await driver?.reap();
  fs.rmSync(root, { recursive: true, force: true });
});

async function run(script: string, timeoutMs = 30_000) {
  const p = sb.exec(["/bin/sh", "-c", script], { timeoutMs });
  p.end();
  let out = "";
  p.onData((c) => (out += c.toString()));
  const exit = await p.wait();
  return { code: exit.code, out };
}

/** One statement as the learner (DATABASE_URL), its error text. */
const asLearner = async (sql: string) => (await run(`psql -X -v ON_ERROR_STOP=1 -Atc "${sql}" 2>&1`)).out;

function untouched(): void {
  expect(fs.readdirSync(outside), `${outside} on the host`).toEqual([]);
  expect(fs.existsSync(path.join("/tmp", marker)), `/tmp/${marker} on the host`).toBe(false);
}

describe("a learner aiming the backing PostgreSQL at the host (bwrap)", () => {
  it("COPY … TO PROGRAM is refused", async () => {
    for (const target of [`${outside}/copy`, `/tmp/${marker}`])
      expect(await asLearner(`COPY (SELECT 1) TO PROGRAM 'touch ${target}'`)).toMatch(
        /permission denied|must be superuser|pg_execute_server_program/,
      );
    expect(await asLearner(`CREATE TABLE o2 (x text); COPY o2 FROM PROGRAM 'id'`)).toMatch(
      /permission denied|must be superuser|pg_execute_server_program/,
    );
    untouched();
  });

  it("lo_export and lo_import (server-side files) are refused", async () => {
    expect(await asLearner(`SELECT lo_export(lo_from_bytea(0, 'x'), '${outside}/lo')`)).toMatch(/permission denied/);
    expect(await asLearner(`SELECT lo_import('/etc/passwd')`)).toMatch(/permission denied/);
    untouched();
  });

  it("server files (pg_read_server_files, pg_write_server_files) are out of reach", async () => {
    for (const sql of [
      `SELECT pg_read_file('/etc/passwd')`,
      `SELECT pg_read_binary_file('/etc/hostname')`,
      `SELECT pg_ls_dir('/')`,
      `CREATE TABLE f (x text); COPY f FROM '/etc/passwd'`,
      `COPY (SELECT 1) TO '/tmp/${marker}'`,
      `COPY (SELECT 1) TO '${outside}/file'`,
    ])
      expect(await asLearner(sql), sql).toMatch(/permission denied|must be superuser|pg_(read|write)_server_files/);
    expect(await asLearner(`GRANT pg_read_server_files TO learner`)).toMatch(
      /permission denied|must have admin option/,
    );
    untouched();
  });

  it("no way to the superuser or to native code: untrusted languages, ALTER SYSTEM, extensions, the socket", async () => {
    expect(await asLearner(`CREATE FUNCTION sys(cstring) RETURNS int AS 'libc.so.6', 'system' LANGUAGE c`)).toMatch(
      /permission denied for language c/,
    );
    expect(await asLearner(`ALTER SYSTEM SET shared_preload_libraries = 'x'`)).toMatch(
      /permission denied|must be superuser/,
    );
    expect(await asLearner(`ALTER ROLE learner SUPERUSER`)).toMatch(/permission denied|must be superuser/);
    expect(await asLearner(`CREATE EXTENSION file_fdw`)).toMatch(
      /permission denied|must be superuser|not available|could not open/,
    );
    // The superuser's only way in is a unix socket in the server's own /tmp, which no other process sees.
    const su = await run(
      `psql -X -h 127.0.0.1 -U postgres -Atc "select 1" 2>&1; psql -X -h /tmp -U postgres -Atc "select 1" 2>&1; echo listing:; ls -a /tmp`,
    );
    expect(su.out).toMatch(/pg_hba\.conf rejects connection/);
    expect(su.out).toMatch(/No such file or directory|could not connect/);
    expect(su.out.split("listing:")[1]).not.toMatch(/\.s\.PGSQL/);
  });

  it("even the superuser of a cluster the learner starts themselves only reaches the sandbox", async () => {
    // The binaries are in /usr (read-only): a learner can run their own server, as superuser.
    const own = await run(
      [
        "set -e",
        "B=/usr/lib/postgresql/15/bin",
        "$B/initdb -D /tmp/own -U boss --auth=trust --no-sync >/dev/null",
        "$B/postgres -D /tmp/own -k /tmp -c listen_addresses= >/tmp/own.log 2>&1 &",
        "until $B/pg_isready -q -h /tmp; do sleep 0.05; done",
        `psql -X -h /tmp -U boss -d postgres -Atc "COPY (SELECT 1) TO PROGRAM 'id -u; touch ${outside}/su /tmp/${marker}'" 2>&1 || true`,
        `psql -X -h /tmp -U boss -d postgres -Atc "CREATE TABLE r (l text); COPY r FROM PROGRAM 'id -u'; SELECT 'uid:' || l FROM r" 2>&1`,
        `psql -X -h /tmp -U boss -d postgres -Atc "SELECT lo_from_bytea(4242, 'x')" -c "SELECT lo_export(4242, '${outside}/lo')" 2>&1 || true`,
      ].join("\n"),
      60_000,
    );
    // It ran — as the sandbox's user 1000, in the sandbox's own filesystem: the host's folder is
    // not there and its /tmp is not the host's.
    expect(own.out).toMatch(/uid:1000/);
    expect(own.out).toMatch(/exited with exit code 1/);
    expect(own.out).toMatch(/could not create server file .*No such file or directory/);
    untouched();
  }, 90_000);
});
