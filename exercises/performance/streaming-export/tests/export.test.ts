// Hidden tests for "Streaming a large export". The service runs at SERVICE_URL; the tests run
// one at a time. They read the export over raw sockets to pause or drop the download, watch
// the source's counters (GET /__stats), inject a source failure (POST /__faults), and measure
// the service's memory through the grader's control channel (/grader/control.mjs).
import { describe, expect, it } from "vitest";
import { service } from "/grader/control.mjs";
import { eventually, expectedFields, expectOrders, failAfterRows, get, ORDER_COUNT, parseHttp, rawGet, sleep, stats } from "./support.ts";

const MB = 1024 * 1024;
/** What two exports at once may add to the service's memory (cgroup, from its level before). */
const MEMORY_GROWTH_MAX = 32 * MB; // the reference adds ~18 MB; holding every row (not the CSV) adds 48–60 MB
/** Rows the service may read ahead of a client that stopped reading (kernel socket buffers hold ~60 000). */
const READ_AHEAD_MAX = 150_000;

/** Per test: a 16 MB download and its parse take a few seconds on a busy machine. */
const SLOW = 30_000;

const allIds = Array.from({ length: ORDER_COUNT }, (_, i) => i + 1);

describe("streaming", () => {
  it("memory stays bounded: two exports at once add less than 32 MB to the service", async () => {
    // A small export first, so what is measured is the export, not the first use of the code.
    await (await get("/export.csv?status=cancelled")).text();
    await service.resetMemoryPeak();
    const before = (await service.memory()).currentBytes;
    const download = async () => {
      const res = await get(`/export.csv`, 30_000);
      expect(res.status).toBe(200);
      let bytes = 0;
      for await (const chunk of res.body!) bytes += (chunk as Uint8Array).length;
      return bytes;
    };
    const sizes = await Promise.all([download(), download()]);
    const after = await service.memory();
    const peak = Math.max(after.peakBytes ?? 0, after.currentBytes);
    const growth = peak - before;
    console.log(`memory: ${(before / MB).toFixed(1)} MB before, peak ${(peak / MB).toFixed(1)} MB, growth ${(growth / MB).toFixed(1)} MB; sizes ${sizes.join(", ")}`);
    expect(sizes[0], "both downloads complete").toBe(sizes[1]);
    expect(growth, `the service's memory grew by ${(growth / MB).toFixed(1)} MB during two exports (${(before / MB).toFixed(1)} → ${(peak / MB).toFixed(1)} MB); it must stay under ${MEMORY_GROWTH_MAX / MB} MB whatever the table's size: hold a batch, not the file`).toBeLessThan(MEMORY_GROWTH_MAX);
  }, SLOW);

  it("the first bytes leave before the source has been read to the end", async () => {
    const before = await stats();
    const get = rawGet("/export.csv");
    await get.firstData;
    get.pause();
    const read = (await stats()).rowsRead - before.rowsRead;
    get.destroy();
    expect(read, `rows read from the source when the first byte reached the client: ${read} of ${ORDER_COUNT}. Send rows as you read them instead of building the whole file first`).toBeLessThan(ORDER_COUNT);
  }, SLOW);

  it("a slow reader holds the producer back (backpressure), and still gets every row", async () => {
    const before = await stats();
    const get = rawGet("/export.csv");
    await get.firstData;
    get.pause(); // a client on a slow link: it stops reading for a while
    await sleep(800);
    const first = (await stats()).rowsRead - before.rowsRead;
    await sleep(800);
    const second = (await stats()).rowsRead - before.rowsRead;
    console.log(`rows read while the client paused: ${first} after 0.8 s, ${second} after 1.6 s (of ${ORDER_COUNT})`);
    expect(second, `rows read while the client did not read: ${first} after 0.8 s, ${second} after 1.6 s. The producer must wait when res.write() answers false (until 'drain'), or use pipeline()`).toBeLessThan(READ_AHEAD_MAX);
    expect(second - first, "once the socket's buffers are full, no more rows are read until the client reads again").toBeLessThanOrEqual(2_000);
    const raw = parseHttp(await get.rest());
    expect(raw.status).toBe(200);
    expect(raw.complete, "the download completes once the client reads again").toBe(true);
    expectOrders(raw.body.toString("utf8"), allIds, "the slow download");
  }, SLOW);

});

describe("the export", () => {
  it("GET /export.csv answers 200 text/csv with a download file name and the header row", async () => {
    const res = await get(`/export.csv`, 20_000);
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    expect(res.headers.get("content-type") ?? "(none)", "the media type of CSV (RFC 4180), with its charset").toMatch(/^text\/csv\s*;\s*charset=utf-8$/i);
    expect(res.headers.get("content-disposition") ?? "(none)", "browsers save it as a file: Content-Disposition: attachment; filename=\"orders.csv\"").toMatch(/^attachment;\s*filename="?orders\.csv"?/i);
    expect(text.slice(0, 100), "the first line is the header, ending in CRLF").toMatch(/^id,created_at,customer,country,amount_cents,currency,status,note\r\n/);
  }, SLOW);

  it("the export is complete and correct: 200 000 orders in id order, quoted per RFC 4180", async () => {
    const res = await get(`/export.csv`, 20_000);
    expect(res.status).toBe(200);
    expectOrders(await res.text(), allIds, "GET /export.csv");
  }, SLOW);

  it("?status= exports exactly the orders of that status; an unknown status is a 400 problem", async () => {
    for (const status of ["refunded", "cancelled"]) {
      const res = await get(`/export.csv?status=${status}`, 20_000);
      expect(res.status).toBe(200);
      const ids = allIds.filter((id) => expectedFields(id)[6] === status);
      expectOrders(await res.text(), ids, `GET /export.csv?status=${status} (${ids.length} orders, not a multiple of any batch size)`);
    }
    const bad = await get(`/export.csv?status=lost`, 5000);
    expect(bad.status, "?status=lost").toBe(400);
    expect(bad.headers.get("content-type") ?? "", "errors are application/problem+json").toMatch(/^application\/problem\+json/);
  }, SLOW);
});

describe("failures", () => {
  it("a client that goes away stops the export: the cursor is closed and no more rows are read", async () => {
    const before = await stats();
    const get = rawGet("/export.csv");
    await get.firstData;
    get.destroy(); // the user closed the tab
    const closed = await eventually(stats, (s) => s.openCursors === before.openCursors, 2000);
    expect(closed.openCursors, "the export's cursor must be closed soon after the client disconnects (listen for 'close', or use pipeline())").toBe(before.openCursors);
    await sleep(300);
    const later = await stats();
    expect(later.rowsRead - closed.rowsRead, "no rows are read after the client went away").toBe(0);
    expect(later.rowsRead - before.rowsRead, "the export stopped instead of reading the whole table for nobody").toBeLessThan(ORDER_COUNT);
  }, SLOW);

  it("a source failure mid-export breaks the download off instead of ending a short file cleanly", async () => {
    const before = await stats();
    await failAfterRows(50_000);
    try {
      const res = await get(`/export.csv`, 20_000);
      if (res.status === 200) {
        // Headers are out, so the status cannot change: the only honest signal left is an
        // incomplete transfer. A clean end would hand the client a file that looks complete.
        await expect(res.text(), "the body must end in an error (destroy the response), not a clean end after 50 000 rows").rejects.toThrow();
      } else {
        expect(res.status, "an error before the first byte is a 5xx").toBeGreaterThanOrEqual(500);
      }
    } finally {
      await failAfterRows(null);
    }
    const after = await eventually(stats, (s) => s.openCursors === before.openCursors, 2000);
    expect(after.openCursors, "the failed export's cursor is closed too").toBe(before.openCursors);
    const ok = await get(`/healthz`, 5000);
    expect(ok.status, "the service carries on").toBe(200);
  }, SLOW);
});
