// The database: PostgreSQL compiled to WebAssembly (PGlite), its files in DATA_DIR, so
// committed data survives a crash and a restart like a real server's would.
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";

export type Db = PGlite;

export async function openDb(dir: string): Promise<Db> {
  fs.mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  await migrate(db);
  return db;
}

async function migrate(db: Db): Promise<void> {
  await db.exec(`
    CREATE TABLE IF NOT EXISTS orders (
      id         serial PRIMARY KEY,
      item       text NOT NULL,
      quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}
