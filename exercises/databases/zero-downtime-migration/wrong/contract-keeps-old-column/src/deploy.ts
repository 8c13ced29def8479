// The schema change from version 1 (`customers.name`) to version 2 (`customers.full_name`),
// expand / backfill / contract, while both versions serve traffic.
import type pg from "pg";
import { db } from "./db.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DDL that needs a strong lock, in one transaction that gives up fast: an ALTER waiting for
 * its lock makes every later query on the table wait behind it, so it must never wait long.
 * lock_timeout ends the attempt; we retry with backoff until an open transaction is gone.
 */
async function ddl(statements: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const client: pg.PoolClient = await db.connect();
    try {
      await client.query("begin");
      await client.query("set local lock_timeout = '100ms'");
      for (const sql of statements) await client.query(sql);
      await client.query("commit");
      return;
    } catch (err) {
      await client.query("rollback").catch(() => {});
      if ((err as { code?: string }).code !== "55P03" || attempt >= 200) throw err; // 55P03: lock_not_available
    } finally {
      client.release();
    }
    await sleep(Math.min(500, 20 * attempt));
  }
}

export async function expand(): Promise<void> {
  await ddl([
    "alter table customers add column if not exists full_name text",
    // Each version writes its own column; the trigger keeps the other one in step.
    `create or replace function customers_sync_name() returns trigger language plpgsql as $$
     begin
       if tg_op = 'INSERT' then
         new.full_name := coalesce(new.full_name, new.name);
         new.name := coalesce(new.name, new.full_name);
       elsif new.name is distinct from old.name then
         new.full_name := new.name;
       elsif new.full_name is distinct from old.full_name then
         new.name := new.full_name;
       end if;
       return new;
     end $$`,
    "drop trigger if exists customers_sync_name on customers",
    "create trigger customers_sync_name before insert or update on customers for each row execute function customers_sync_name()",
  ]);
}

/** In batches, each its own short transaction: row locks held for milliseconds, not for the whole table. */
export async function backfill(): Promise<void> {
  for (;;) {
    const r = await db.query("update customers set full_name = name where id in (select id from customers where full_name is null order by id limit 500)");
    if (r.rowCount === 0) return;
  }
}

export async function contract(): Promise<void> {
  await ddl(["alter table customers alter column full_name set not null"]);
}
