// A rehearsal of one deploy phase, roughly as the grader plays it (your service must be running):
//   tsx dev/rehearse.ts expand     (also: backfill, contract)
// It adds 5000 customers if the table has fewer, plays version 1 on 3 connections (its queries
// by `name`), for the expand holds a report's transaction open for 2 s, calls
// POST /admin/deploy/<phase>, and prints version 1's errors and the longest lock wait it saw.
// To start again from version 1's schema: psql -c 'drop table customers, schema_migrations'
// and restart the service.
import pg from "pg";

const phase = process.argv[2] ?? "expand";
const url = `http://127.0.0.1:${process.env.PORT ?? 3000}/admin/deploy/${phase}`;
const connect = async () => {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: "customers-v1" });
  await c.connect();
  return c;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const admin = await connect();
const { rows } = await admin.query("select count(*)::int as n, coalesce(max(id), 1)::int as max from customers");
if (rows[0].n < 5000 && phase !== "contract")
  await admin.query(`insert into customers (name, email) select 'customer ' || g, 'c' || g || '@example.com' from generate_series(1, 5000) g`);
const maxId = Math.max(rows[0].max, 5000);

let running = phase !== "contract"; // version 1 is retired before the contract
let queries = 0;
const errors = new Map<string, number>();
const v1 = await Promise.all([0, 1, 2].map(() => connect()));
const loops = v1.map(async (c, w) => {
  for (let i = 0; running; i++) {
    const id = 1 + ((i * 7919 + w * 104729) % maxId);
    try {
      if (i % 3 === 0) await c.query("insert into customers (name, email) values ($1, $2)", [`v1 ${w}-${i}`, `v1-${w}-${i}@example.com`]);
      else if (i % 3 === 1) await c.query("select id, name, email from customers where id = $1", [id]);
      else await c.query("update customers set name = $2 where id = $1", [id, `renamed ${w}-${i}`]);
      queries++;
    } catch (err) {
      const m = (err as Error).message;
      errors.set(m, (errors.get(m) ?? 0) + 1);
    }
  }
});

let longest = 0;
let sampling = false;
const sampler = setInterval(async () => {
  if (sampling) return;
  sampling = true;
  const r = await admin.query(
    `select coalesce(max(extract(epoch from clock_timestamp() - l.waitstart) * 1000), 0)::float8 as ms
       from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.application_name = 'customers-v1'`,
  ).catch(() => null);
  if (r) longest = Math.max(longest, Number(r.rows[0].ms));
  sampling = false;
}, 20);

const report = phase === "expand" ? await connect() : null;
await report?.query("begin");
await report?.query("select count(*) from customers");
const t0 = Date.now();
const answer = fetch(url, { method: "POST" }).then(async (res) => `HTTP ${res.status} ${await res.text()}`);
if (report) {
  await sleep(2000);
  await report.query("commit");
  await report.end();
}
console.log(`POST /admin/deploy/${phase}: ${await answer} (${Date.now() - t0} ms)`);
await sleep(1000);
running = false;
await Promise.all(loops);
clearInterval(sampler);
while (sampling) await sleep(10);
console.log(`version 1: ${queries} queries ok, ${[...errors.values()].reduce((a, b) => a + b, 0)} failed`);
for (const [m, n] of errors) console.log(`  ${n} x ${m}`);
console.log(`longest lock wait of a version-1 query: ${Math.round(longest)} ms (the grader allows < 1000)`);
await Promise.all([...v1, admin].map((c) => c.end()));
