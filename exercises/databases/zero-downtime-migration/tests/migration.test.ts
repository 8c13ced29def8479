// Hidden tests for "zero-downtime-migration". The tests play the deploy: version 1 of the
// service is their own connections running version 1's queries (by `name`) against this
// grading's PostgreSQL; version 2 is the learner's service. The phases run in order, each
// under version-1 traffic, and what is graded comes from the server: the errors either version
// saw, how long any of their queries waited for a lock (pg_stat_activity), how the backfill
// ran (pg_stat_statements) and the final schema.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backing } from "/grader/control.mjs";
import { call, connect, LockWatch, OldVersion, seen, until } from "./support.ts";

const LONG = 90_000;
/** What "no downtime" allows a query to wait for a lock, on a busy machine. */
const MAX_WAIT_MS = 1000;
const ROWS = 5000;
let admin: pg.Client;

beforeAll(async () => {
  admin = await connect("grader");
  await admin.query(`insert into customers (name, email) select 'customer ' || g, 'c' || g || '@example.com' from generate_series(1, ${ROWS}) g`);
});
afterAll(() => admin?.end());

async function phase(name: string, opts: { holdReport?: boolean } = {}) {
  const v1 = new OldVersion();
  await v1.start();
  const watch = new LockWatch(admin);
  watch.start();
  // A report of version 1's, reading the table in a long transaction: an ALTER can only take
  // its lock once it ends.
  const report = opts.holdReport ? await connect("customers-v1") : null;
  if (report) {
    await report.query("begin");
    await report.query("select count(*) from customers");
  }
  const answer = call("POST", `/admin/deploy/${name}`);
  if (report) {
    // Until the migration has waited for its lock and given up at least once, or a query of
    // version 1 has already waited too long behind it.
    await until("the migration to ask for its lock", () => watch.migrationGaveUp || watch.maxWaitMs > MAX_WAIT_MS).catch(() => {});
    await report.query("commit");
    await report.end();
  }
  const a = await answer;
  // Version 1 keeps serving a little after the phase ends (a broken version 1 fails fast).
  const after = v1.attempts + 30;
  await until("version 1 to run some more queries", () => v1.attempts > after).catch(() => {});
  await v1.stop();
  watch.stop();
  return { a, v1, watch };
}

describe("expand, backfill, contract while both versions serve", () => {
  it("expand: version 1 keeps working, and no query waits behind the migration's lock", async () => {
    const { a, v1, watch } = await phase("expand", { holdReport: true });
    expect(a.status, `POST /admin/deploy/expand (a report's transaction held the table meanwhile): ${seen(a)}`).toBe(200);
    expect(v1.errors, "errors version 1 saw during the expand").toEqual([]);
    expect(watch.maxWaitMs, `the longest lock wait of a version-1 query (${watch.waiter})`).toBeLessThan(MAX_WAIT_MS);
    const cols = await admin.query("select column_name from information_schema.columns where table_name = 'customers'");
    expect(cols.rows.map((r) => r.column_name), "after the expand both columns exist").toEqual(expect.arrayContaining(["name", "full_name"]));
  }, LONG);

  it("backfill: every row gets full_name, in batches of at most 1000 rows, while version 1 writes", async () => {
    await backing.statements({ reset: true });
    const { a, v1, watch } = await phase("backfill");
    expect(a.status, `POST /admin/deploy/backfill: ${seen(a)}`).toBe(200);
    expect(v1.errors, "errors version 1 saw during the backfill").toEqual([]);
    expect(watch.maxWaitMs, `the longest lock wait of a version-1 query (${watch.waiter})`).toBeLessThan(MAX_WAIT_MS);
    const missing = await admin.query("select count(*)::int as n from customers where full_name is null or full_name <> name");
    expect(missing.rows[0].n, "rows whose full_name is missing or differs from name after the backfill").toBe(0);
    const updates = (await backing.statements()).filter((s: { query: string }) => /\bupdate\s+customers\b/i.test(s.query) && /full_name/.test(s.query));
    const calls = updates.reduce((n: number, s: { calls: number }) => n + s.calls, 0);
    const rows = updates.reduce((n: number, s: { rows: number }) => n + s.rows, 0);
    expect(calls, `UPDATE statements of the backfill (pg_stat_statements: ${JSON.stringify(updates.map((s: { query: string; calls: number; rows: number }) => [s.query.slice(0, 80), s.calls, s.rows]))})`).toBeGreaterThanOrEqual(Math.ceil(ROWS / 1000));
    expect(rows / calls, "rows per backfill UPDATE on average").toBeLessThanOrEqual(1000);
  }, LONG);

  it("between the phases: each version reads what the other wrote", async () => {
    const v2 = await call("POST", "/customers", { full_name: "Grace Hopper", email: "grace@example.com" });
    expect(v2.status, `version 2: POST /customers: ${seen(v2)}`).toBe(201);
    const byV1 = await admin.query("select name from customers where id = $1", [v2.body.id]);
    expect(byV1.rows[0]?.name, "version 1 reads the name of a customer version 2 created").toBe("Grace Hopper");
    const made = await admin.query("insert into customers (name, email) values ('Alan Turing', 'alan@example.com') returning id");
    const read = await call("GET", `/customers/${made.rows[0].id}`);
    expect(read.body?.full_name, `version 2 reads a customer version 1 created: ${seen(read)}`).toBe("Alan Turing");
    await admin.query("update customers set name = 'Ada King' where id = 1");
    expect((await call("GET", "/customers/1")).body?.full_name, "version 2 after version 1 renamed customer 1").toBe("Ada King");
  }, LONG);

  it("contract, once version 1 is retired: name is gone, full_name is NOT NULL, no scaffolding left, version 2 serves on", async () => {
    const a = await call("POST", "/admin/deploy/contract");
    expect(a.status, `POST /admin/deploy/contract: ${seen(a)}`).toBe(200);
    const cols = await admin.query("select column_name, is_nullable from information_schema.columns where table_name = 'customers' order by column_name");
    expect(Object.fromEntries(cols.rows.map((r) => [r.column_name, r.is_nullable])), "customers' columns (name: nullable?)").toEqual({ created_at: "NO", email: "NO", full_name: "NO", id: "NO" });
    const triggers = await admin.query("select tgname from pg_trigger where tgrelid = 'customers'::regclass and not tgisinternal");
    expect(triggers.rows.map((r) => r.tgname), "triggers left on customers").toEqual([]);
    const checks = await admin.query("select conname from pg_constraint where conrelid = 'customers'::regclass and contype = 'c'");
    expect(checks.rows.map((r) => r.conname), "CHECK constraints left on customers").toEqual([]);
    // Functions of the schema's own, not an extension's (pg_stat_statements lives in public).
    const fns = await admin.query(
      `select proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'
          and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')`,
    );
    expect(fns.rows.map((r) => r.proname), "functions left in the schema").toEqual([]);
    const after = await call("POST", "/customers", { full_name: "Edsger Dijkstra", email: "ewd@example.com" });
    expect(after.status, `version 2 after the contract: ${seen(after)}`).toBe(201);
    expect((await call("GET", `/customers/${after.body.id}`)).body?.full_name).toBe("Edsger Dijkstra");
  }, LONG);
});
