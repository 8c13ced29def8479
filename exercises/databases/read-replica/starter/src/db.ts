// The databases: a real PostgreSQL 15 primary and a hot standby (a read-only replica) fed by
// streaming replication from it. The lab starts both in your workspace and a fresh pair for
// every grading: DATABASE_URL is the primary, DATABASE_REPLICA_URL the replica.
//
// DO NOT CHANGE THIS FILE. The routing is yours: src/routing.ts decides which pool serves a read.
//
// The replica replays the primary's write-ahead log (WAL) a moment later, or much later when it
// falls behind (the hidden tests pause its replay). A position in the WAL is an LSN, text like
// "0/3000148"; compare them in SQL (`$1::pg_lsn <= pg_last_wal_replay_lsn()`), not as strings.
import pg from "pg";

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Pool = pg.Pool;

function open(url: string | undefined, name: string): pg.Pool {
  if (!url) throw new Error(`${name} is not set: the lab sets it in your workspace and for every grading`);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on("error", (err) => console.error(`idle ${name} connection:`, err.message));
  return pool;
}

/** Every write goes here; so do reads that must see the latest data. */
export const primary = open(process.env.DATABASE_URL, "DATABASE_URL");
/** Read-only: a write fails with "cannot execute INSERT in a read-only transaction". */
export const replica = open(process.env.DATABASE_REPLICA_URL, "DATABASE_REPLICA_URL");
