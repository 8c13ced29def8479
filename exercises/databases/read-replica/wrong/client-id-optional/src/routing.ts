// Which database serves a read: the replica, except for a client whose last write the replica
// has not replayed yet (read-your-writes by WAL position).
import { primary, replica, type Pool } from "./db.ts";

/**
 * Per client, the WAL position of its last write, until the replica has replayed it. In
 * memory: one instance of the service (with several, it would travel with the client, in a
 * cookie or a header, as a "session token" of positions).
 */
const pending = new Map<string, string>();

/** Called after every write of `client` has committed on the primary. */
export async function wrote(client: string): Promise<void> {
  // The insert position: at or after our commit record. (pg_current_wal_lsn() is the *write*
  // position; with synchronous_commit = off, as on these servers, it can still be before it.)
  const { rows } = await primary.query<{ lsn: string }>("select pg_current_wal_insert_lsn()::text as lsn");
  pending.set(client, rows[0]!.lsn);
}

/** The pool that serves `client`'s next read. */
export async function readerFor(client: string): Promise<Pool> {
  const lsn = pending.get(client);
  if (lsn === undefined) return replica;
  const { rows } = await replica.query<{ caught_up: boolean }>("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as caught_up", [lsn]);
  if (!rows[0]!.caught_up) return primary;
  // Replayed: this client's reads may go to the replica again (a newer write sets a new position).
  if (pending.get(client) === lsn) pending.delete(client);
  return replica;
}
