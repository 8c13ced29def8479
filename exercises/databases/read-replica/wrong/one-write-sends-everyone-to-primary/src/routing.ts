import { primary, replica, type Pool } from "./db.ts";

// One position for everybody: the last write of any client.
let last: string | null = null;

export async function wrote(_client: string): Promise<void> {
  last = (await primary.query<{ lsn: string }>("select pg_current_wal_insert_lsn()::text as lsn")).rows[0]!.lsn;
}

export async function readerFor(_client: string): Promise<Pool> {
  if (last === null) return replica;
  const { rows } = await replica.query<{ ok: boolean }>("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as ok", [last]);
  return rows[0]!.ok ? replica : primary;
}
