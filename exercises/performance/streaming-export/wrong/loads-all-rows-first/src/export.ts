// The CSV export as a stream: rows are read from a database cursor one batch at a time, and
// the next batch is read only when the client has taken the previous ones. Memory stays at
// a few batches whatever the size of the table, and a client that reads slowly slows the
// reads down instead of piling rows up in memory.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Response } from "express";
import { CSV_HEADER, toCsvLine } from "./csv.ts";
import { queryAllOrders, type OrderStatus } from "./orders.ts";

/** Rows per read: one round trip per 1000 rows, about 100 KB of CSV. */
const BATCH_ROWS = 1000;

const isClientGone = (err: unknown) => (err as NodeJS.ErrnoException)?.code === "ERR_STREAM_PREMATURE_CLOSE";

export async function sendOrdersCsv(res: Response, filter: { status?: OrderStatus }): Promise<void> {
  // One query: simpler than a cursor, and the rows are streamed out with backpressure anyway.
  const orders = await queryAllOrders(filter);
  async function* chunks() {
    yield CSV_HEADER;
    for (let i = 0; i < orders.length; i += BATCH_ROWS) yield orders.slice(i, i + BATCH_ROWS).map(toCsvLine).join("");
  }
  res.status(200).attachment("orders.csv").set("Cache-Control", "no-store");
  try {
    // pipeline() respects backpressure (it waits for 'drain' when res.write() says the
    // socket is full), and when either side fails or closes it destroys the other: a client
    // that disconnects stops the generator (closing the cursor); a source that fails
    // mid-export destroys the response, so the client sees a broken download, never a short
    // file that looks complete.
    await pipeline(Readable.from(chunks()), res);
  } catch (err) {
    if (isClientGone(err)) return; // nobody left to tell
    console.error("export failed after the headers were sent:", err);
  }
}
