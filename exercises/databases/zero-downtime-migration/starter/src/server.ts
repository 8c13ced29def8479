import fs from "node:fs";
import path from "node:path";
import { createApp } from "./app.ts";
import { db } from "./db.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";

// Version 1's schema (migrations/001), as production has it. The deploy pipeline then calls
// POST /admin/deploy/expand, /backfill and /contract (src/deploy.ts) while both versions run.
await db.query("create table if not exists schema_migrations (name text primary key)");
const done = new Set((await db.query<{ name: string }>("select name from schema_migrations")).rows.map((r) => r.name));
const dir = path.join(import.meta.dirname, "..", "migrations");
for (const file of fs.readdirSync(dir).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort()) {
  if (done.has(file)) continue;
  await db.query(`begin; ${fs.readFileSync(path.join(dir, file), "utf8")}; insert into schema_migrations values ('${file}'); commit`);
}

createApp().listen(port, host, (err?: Error) => {
  if (err) throw err;
  console.log(`customers API v2 on http://${host}:${port}`);
});
