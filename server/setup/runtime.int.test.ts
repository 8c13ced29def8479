import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, SandboxLimits } from "../../graders/sandbox/port.ts";
import { BwrapDriver } from "../sandbox/bwrap/driver.ts";
import { ensureRuntime, PGLITE_TEMPLATE, TEST_RUNTIME_DIR } from "./runtime.ts";

// The runtime's PGlite template, proven where it is used: a real bwrap sandbox boots PGlite
// from /node_modules/.backlab/pglite-empty.tar.gz and from a fresh initdb, side by side.
// PGlite's PostgreSQL wants ~400 MB resident; CPU time is generous because the machine may be busy.
const LIMITS: SandboxLimits = {
  memoryMb: 1024,
  pids: 64,
  cpuSeconds: 120,
  cpus: 1,
  fileSizeMb: 64,
  tmpMb: 64,
  openFiles: 256,
};
const UID = 250_002;
const IN_SANDBOX = path.posix.join("/node_modules", PGLITE_TEMPLATE);

/** Boots PGlite three ways and prints what each database is: the template's clones share its cluster identity. */
const BOOT_SCRIPT = `
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
const template = ${JSON.stringify(IN_SANDBOX)};
async function boot(options) {
  const started = performance.now();
  const pg = await PGlite.create(options);
  const ms = Math.round(performance.now() - started);
  await pg.exec("create table t (n int); insert into t values (42)");
  const { rows } = await pg.query("select (select n from t) as n, system_identifier::text as cluster from pg_control_system()");
  await pg.close();
  return { ms, ...rows[0] };
}
const load = () => new Blob([fs.readFileSync(template)], { type: "application/x-gzip" });
const fromTemplate = await boot({ loadDataDir: load() });
const again = await boot({ loadDataDir: load() });
fs.mkdirSync("/workspace/pgdata");
const onDisk = await boot({ dataDir: "/workspace/pgdata", loadDataDir: load() });
const initdb = await boot({});
console.log(JSON.stringify({ fromTemplate, again, onDisk, initdb }));
`;

let root: string;
let runtime: string;
let sandbox: Sandbox;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-runtime-"));
  fs.chmodSync(root, 0o711);
  runtime = ensureRuntime(TEST_RUNTIME_DIR, "node20");
  const driver = new BwrapDriver({ stateDir: root, runtimes: () => runtime, labId: `r${process.pid}` });
  expect(
    await driver.available(),
    "bubblewrap must be installed and usable (npm test installs it as root)",
  ).toMatchObject({ ok: true });
  const workspace = path.join(root, "ws");
  fs.mkdirSync(workspace, { mode: 0o700 });
  fs.writeFileSync(path.join(workspace, "boot.mjs"), BOOT_SCRIPT);
  fs.chownSync(workspace, UID, UID);
  fs.chownSync(path.join(workspace, "boot.mjs"), UID, UID);
  sandbox = await driver.create({
    name: "pglite-template",
    runtime: "node20",
    workspaceDir: workspace,
    limits: LIMITS,
    uid: UID,
    network: "none",
  });
}, 300_000);

afterAll(async () => {
  await sandbox?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the sandbox runtime's PGlite template", () => {
  it("is installed world-readable inside node_modules, and a second ensureRuntime is a stat", () => {
    const file = path.join(runtime, "node_modules", PGLITE_TEMPLATE);
    const st = fs.statSync(file);
    expect(st.size).toBeGreaterThan(1_000_000);
    expect(st.mode & 0o777).toBe(0o644);
    const said: string[] = [];
    const started = performance.now();
    expect(ensureRuntime(TEST_RUNTIME_DIR, "node20", (m) => said.push(m))).toBe(runtime);
    expect(performance.now() - started).toBeLessThan(50);
    expect(said).toEqual([]);
  });

  it("boots PGlite in a sandbox, in memory and into an empty data dir, faster than initdb", async () => {
    const p = sandbox.exec(["node", "/workspace/boot.mjs"], { timeoutMs: 180_000 });
    p.end();
    let out = "";
    p.onData((c) => (out += c.toString()));
    const exit = await p.wait();
    expect(exit.code, out).toBe(0);
    type Boot = { ms: number; n: number; cluster: string };
    const r = JSON.parse(out.trim().split("\n").at(-1)!) as Record<
      "fromTemplate" | "again" | "onDisk" | "initdb",
      Boot
    >;
    console.log(
      `PGlite boot in a bwrap sandbox: template ${r.fromTemplate.ms} / ${r.again.ms} ms, into a data dir ${r.onDisk.ms} ms, initdb ${r.initdb.ms} ms`,
    );
    for (const boot of Object.values(r)) expect(boot.n).toBe(42);
    // Same cluster identity: these started from the template's files, not from an initdb.
    expect(r.again.cluster).toBe(r.fromTemplate.cluster);
    expect(r.onDisk.cluster).toBe(r.fromTemplate.cluster);
    expect(r.initdb.cluster).not.toBe(r.fromTemplate.cluster);
    expect(fs.existsSync(path.join(root, "ws", "pgdata", "PG_VERSION"))).toBe(true);
    // initdb costs several times a template boot; the margin leaves room for a busy machine.
    expect(Math.min(r.fromTemplate.ms, r.again.ms)).toBeLessThan(r.initdb.ms);
  }, 200_000);
});
