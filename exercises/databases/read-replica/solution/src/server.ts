import fs from "node:fs";
import path from "node:path";
import { createApp } from "./app.ts";
import { primary, replica } from "./db.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

// Migrations run on the primary (the replica gets them through replication), once each.
const dir = path.join(import.meta.dirname, "..", "migrations");
await primary.query("create table if not exists schema_migrations (name text primary key)");
const done = new Set((await primary.query<{ name: string }>("select name from schema_migrations")).rows.map((r) => r.name));
for (const file of fs.readdirSync(dir).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort()) {
  if (done.has(file)) continue;
  const client = await primary.connect();
  try {
    await client.query("begin");
    await client.query(fs.readFileSync(path.join(dir, file), "utf8"));
    await client.query("insert into schema_migrations (name) values ($1)", [file]);
    await client.query("commit");
  } catch (err) {
    await client.query("rollback");
    throw err;
  } finally {
    client.release();
  }
}
await replica.query("select 1");

createApp().listen(port, host, (err?: Error) => {
  if (err) throw err;
  console.log(`notes API on http://${host}:${port}`);
});
