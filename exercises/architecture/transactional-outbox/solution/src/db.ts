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
    -- One row per event to publish, written in the same transaction as the change it
    -- announces. Its id is the event's id and the Idempotency-Key of every delivery attempt.
    CREATE TABLE IF NOT EXISTS outbox (
      id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      order_id        integer NOT NULL REFERENCES orders (id),
      payload         jsonb NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
      attempts        integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error      text,
      sent_at         timestamptz
    );
    CREATE INDEX IF NOT EXISTS outbox_unsent ON outbox (next_attempt_at) WHERE sent_at IS NULL;
  `);
}
