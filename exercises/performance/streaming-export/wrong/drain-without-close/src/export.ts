// The CSV export as a stream: rows are read from a database cursor one batch at a time, and
// the next batch is read only when the client has taken the previous ones. Memory stays at
// a few batches whatever the size of the table, and a client that reads slowly slows the
// reads down instead of piling rows up in memory.
import type { Response } from "express";
import { CSV_HEADER, toCsvLine } from "./csv.ts";
import { openOrderCursor, type Order, type OrderCursor, type OrderStatus } from "./orders.ts";

/** Rows per read: one round trip per 1000 rows, about 100 KB of CSV. */
const BATCH_ROWS = 1000;

/**
 * The header, the rows already read, then the rest of the cursor, one chunk per batch. An
 * async generator pulls: it runs only when the stream it feeds wants more. Its `finally`
 * runs when it ends, fails, or is stopped early (the client went away), so the cursor is
 * always closed.
 */
async function* csvChunks(cursor: OrderCursor, first: Order[]): AsyncGenerator<string> {
  try {
    yield CSV_HEADER + first.map(toCsvLine).join("");
    if (first.length < BATCH_ROWS) return;
    for (;;) {
      const rows = await cursor.read(BATCH_ROWS);
      if (rows.length === 0) return;
      yield rows.map(toCsvLine).join("");
    }
  } finally {
    await cursor.close();
  }
}

export async function sendOrdersCsv(res: Response, filter: { status?: OrderStatus }): Promise<void> {
  const cursor = openOrderCursor(filter);
  let first: Order[];
  try {
    // The first batch before the headers: if the source fails right away, the client still
    // gets a proper 500 instead of a 200 that breaks off.
    first = await cursor.read(BATCH_ROWS);
  } catch (err) {
    await cursor.close();
    throw err;
  }
  res.status(200).attachment("orders.csv").set("Cache-Control", "no-store");
  try {
    for await (const chunk of csvChunks(cursor, first)) {
      // The socket is full: wait until it has room again.
      if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  } catch (err) {
    console.error("export failed after the headers were sent:", err);
    res.destroy();
  }
}
