// Applies migrations/NNN_name.sql in order, each in its own transaction, once: the ones
// already applied are listed in schema_migrations. The database lives in memory, so at every
// start all of them run; on a real server only the new ones would.
import fs from "node:fs";
import path from "node:path";
import type { Db } from "./db.ts";

const DIR = path.join(import.meta.dirname, "..", "migrations");

export async function migrate(db: Db): Promise<string[]> {
  await db.exec("create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())");
  const done = new Set((await db.query<{ name: string }>("select name from schema_migrations")).rows.map((r) => r.name));
  const files = fs
    .readdirSync(DIR)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = fs.readFileSync(path.join(DIR, file), "utf8");
    await db.transaction(async (tx) => {
      await tx.exec(sql);
      await tx.query("insert into schema_migrations (name) values ($1)", [file]);
    });
    applied.push(file);
  }
  return applied;
}
