// The orders table, simulated in-process so that it behaves the same everywhere: 200 000
// orders, computed from their id (the same at every start), read in batches like a database
// cursor. Every row read and every cursor opened or closed is counted.
//
// DO NOT CHANGE THIS FILE. The grader reads the counters (through GET /__stats) to see how
// far ahead of the client your export reads, and whether it closes its cursor, and it
// injects a failure through `faults` (POST /__faults).

export const ORDER_COUNT = 200_000;
export const STATUSES = ["paid", "pending", "refunded", "cancelled"] as const;
export type OrderStatus = (typeof STATUSES)[number];

export type Order = {
  id: number;
  createdAt: string;
  customer: string;
  country: string;
  amountCents: number;
  currency: string;
  status: OrderStatus;
  /** Free text typed by the customer: may contain commas, quotes and line breaks. */
  note: string;
};

/** Rows handed out, cursors opened and cursors still open, since the service started. */
export const stats = { rowsRead: 0, cursorsOpened: 0, openCursors: 0 };

/** Test hook: when set, a cursor fails once it has handed out this many rows. */
export const faults: { failAfterRows: number | null } = { failAfterRows: null };

const CUSTOMERS = ["Ada Lovelace", "Grace Hopper", "O'Brien, Ltd", "Zoë Ångström", "Linus T.", "The \"Best\" Shop", "Margaret H.", "Ken T."];
const COUNTRIES = ["DE", "FR", "NL", "SE", "US", "JP", "BR", "IN"];
const NOTES = ["", "", "", "Leave at the door, ring twice", "Gift wrap please", "Deliver after 6pm", "Call \"Sam\" on arrival", "Line one\nline two"];
const EPOCH = Date.UTC(2026, 0, 1);

/** Order `id` (1 to 200 000), computed, never stored. */
export function orderAt(id: number): Order {
  return {
    id,
    createdAt: new Date(EPOCH + id * 137_000).toISOString(),
    customer: CUSTOMERS[id % CUSTOMERS.length]!,
    country: COUNTRIES[(id * 7) % COUNTRIES.length]!,
    amountCents: 100 + ((id * 7919) % 250_000),
    currency: "EUR",
    status: STATUSES[(id * 31) % 97 < 80 ? 0 : (id * 13) % 3 + 1]!,
    note: NOTES[(id * 11) % NOTES.length]!,
  };
}

const matches = (o: Order, status?: OrderStatus) => status === undefined || o.status === status;

/** A failure inside the database driver, as a real one would throw mid-result. */
export class SourceError extends Error {
  override name = "SourceError";
}

/**
 * ALL the orders (optionally of one status) in id order, in one round trip: convenient, and
 * every row is in memory at once.
 */
export async function queryAllOrders(filter: { status?: OrderStatus } = {}): Promise<Order[]> {
  await new Promise((r) => setTimeout(r, 5));
  const out: Order[] = [];
  for (let id = 1; id <= ORDER_COUNT; id++) {
    const o = orderAt(id);
    if (!matches(o, filter.status)) continue;
    if (faults.failAfterRows !== null && out.length >= faults.failAfterRows) throw new SourceError(`connection reset by peer after ${out.length} rows`);
    out.push(o);
  }
  stats.rowsRead += out.length;
  return out;
}

export type OrderCursor = {
  /** The next rows (at most `count`, 1 to 10 000), in id order; an empty array at the end. */
  read(count: number): Promise<Order[]>;
  /** Releases the cursor. Call it once you are done, also when you stop early. */
  close(): Promise<void>;
};

/** A server-side cursor over the orders (optionally of one status), in id order. */
export function openOrderCursor(filter: { status?: OrderStatus } = {}): OrderCursor {
  stats.cursorsOpened++;
  stats.openCursors++;
  let nextId = 1;
  let handedOut = 0;
  let closed = false;
  return {
    async read(count) {
      if (closed) throw new Error("read() on a closed cursor");
      if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new RangeError("read(count): count must be an integer from 1 to 10000");
      await new Promise((r) => setImmediate(r)); // one round trip
      const rows: Order[] = [];
      while (rows.length < count && nextId <= ORDER_COUNT) {
        const o = orderAt(nextId++);
        if (matches(o, filter.status)) rows.push(o);
      }
      if (faults.failAfterRows !== null && handedOut + rows.length > faults.failAfterRows) throw new SourceError(`connection reset by peer after ${handedOut} rows`);
      handedOut += rows.length;
      stats.rowsRead += rows.length;
      return rows;
    },
    async close() {
      if (closed) return;
      closed = true;
      stats.openCursors--;
    },
  };
}
