import { primary, replica, type Pool } from "./db.ts";

// Once a client has written, it reads from the primary: safe, and the replica never serves it again.
const writers = new Set<string>();

export async function wrote(client: string): Promise<void> {
  writers.add(client);
}

export async function readerFor(client: string): Promise<Pool> {
  return writers.has(client) ? primary : replica;
}
