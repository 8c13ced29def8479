// Which database serves a read. The replica takes the reads off the primary, but it replays the
// primary's WAL a moment later: a client that just wrote and reads the replica may not find
// what it wrote (a note it just created answers 404, an edit seems lost).
//
// TODO: send a client's reads to the primary right after its own write, and back to the
// replica once the replica has replayed that write (compare WAL positions, README). Other
// clients keep reading the replica all along.
import { primary, type Pool } from "./db.ts";

/** Called after every write of `client` has committed on the primary. */
export async function wrote(_client: string): Promise<void> {}

/** The pool that serves `client`'s next read. */
export async function readerFor(_client: string): Promise<Pool> {
  return primary;
}
