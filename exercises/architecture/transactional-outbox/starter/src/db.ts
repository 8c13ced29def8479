// The database: PostgreSQL compiled to WebAssembly (PGlite), its files in DATA_DIR, so
// committed data survives a crash and a restart like a real server's would.
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

export type Db = PGlite;

/**
 * An empty database the lab made in advance: a new data dir starts as a copy of it, in about
 * a second; PostgreSQL's initdb takes several. Where it is missing (outside the lab), PGlite
 * runs initdb.
 */
const EMPTY_DATABASE = "/node_modules/.backlab/pglite-empty.tar.gz";

export async function openDb(dir: string): Promise<Db> {
  const isNew = !fs.existsSync(path.join(dir, "PG_VERSION"));
  fs.mkdirSync(dir, { recursive: true });
  const template = isNew && fs.existsSync(EMPTY_DATABASE) ? new Blob([fs.readFileSync(EMPTY_DATABASE)], { type: "application/x-gzip" }) : undefined;
  const db = await PGlite.create(dir, { loadDataDir: template });
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
