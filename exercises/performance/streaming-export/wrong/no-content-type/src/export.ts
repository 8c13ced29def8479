// The CSV export as a stream: rows are read from a database cursor one batch at a time, and
// the next batch is read only when the client has taken the previous ones. Memory stays at
// a few batches whatever the size of the table, and a client that reads slowly slows the
// reads down instead of piling rows up in memory.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
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

const isClientGone = (err: unknown) => (err as NodeJS.ErrnoException)?.code === "ERR_STREAM_PREMATURE_CLOSE";

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
  res.status(200).set({ "Content-Disposition": 'attachment; filename="orders.csv"', "Cache-Control": "no-store" });
  try {
    // pipeline() respects backpressure (it waits for 'drain' when res.write() says the
    // socket is full), and when either side fails or closes it destroys the other: a client
    // that disconnects stops the generator (closing the cursor); a source that fails
    // mid-export destroys the response, so the client sees a broken download, never a short
    // file that looks complete.
    await pipeline(Readable.from(csvChunks(cursor, first)), res);
  } catch (err) {
    if (isClientGone(err)) return; // nobody left to tell
    console.error("export failed after the headers were sent:", err);
  }
}
