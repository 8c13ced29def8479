// Helpers for the hidden tests: the export read over a raw socket (so a test decides when to
// read), the service's counters, the expected orders and an RFC 4180 parser.
import net from "node:net";
import { expect } from "vitest";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
const { hostname, port } = new URL(BASE);

export const ORDER_COUNT = 200_000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * fetch() for GETs, retried once when a kept-alive connection was closed by the server just
 * as it was reused (the server's keep-alive timeout is 5 s and some checks take longer).
 */
export async function get(path: string, timeoutMs = 20_000): Promise<Response> {
  try {
    return await fetch(BASE + path, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } })?.cause?.code;
    if (!(err instanceof TypeError) || !["UND_ERR_SOCKET", "ECONNRESET"].includes(code ?? "")) throw err;
    return fetch(BASE + path, { signal: AbortSignal.timeout(timeoutMs) });
  }
}

export type Stats = { rowsRead: number; cursorsOpened: number; openCursors: number };

/** The source's counters (GET /__stats). */
export async function stats(): Promise<Stats> {
  const res = await get("/__stats", 4000);
  const body: any = await res.json().catch(() => null);
  if (res.status !== 200 || typeof body?.rowsRead !== "number" || typeof body?.openCursors !== "number") {
    throw new Error(`GET /__stats must answer 200 {"rowsRead", "cursorsOpened", "openCursors"} (keep it as the starter has it), got HTTP ${res.status} ${JSON.stringify(body)}`);
  }
  return body;
}

/** Makes the source fail after `n` rows (null: never). */
export async function failAfterRows(n: number | null): Promise<void> {
  const res = await fetch(`${BASE}/__faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ failAfterRows: n }), signal: AbortSignal.timeout(4000) });
  if (res.status !== 204) throw new Error(`POST /__faults must answer 204 (keep it as the starter has it), got HTTP ${res.status}`);
}

/** Waits until `check` holds (polling), or the time is up; answers the last value seen. */
export async function eventually<T>(get: () => Promise<T>, check: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let v = await get();
  while (!check(v) && Date.now() < until) {
    await sleep(50);
    v = await get();
  }
  return v;
}

/**
 * GET over a raw socket, so the test controls the reading: `firstData` resolves with the
 * first bytes; then the test may `pause()`, `resume()`, `destroy()` or `rest()` (read the
 * remaining bytes until the server closes: Connection: close).
 */
export function rawGet(path: string) {
  const socket = net.connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  let bytes = 0;
  socket.on("data", (c: Buffer) => {
    chunks.push(c);
    bytes += c.length;
  });
  const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
  const firstData = new Promise<Buffer>((resolve, reject) => {
    socket.once("data", resolve);
    socket.once("close", () => reject(new Error(`GET ${path}: the connection closed before any byte came`)));
    setTimeout(() => reject(new Error(`GET ${path}: no byte within 10 s`)), 10_000).unref();
  });
  return {
    socket,
    firstData,
    bytes: () => bytes,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy: () => socket.destroy(),
    /** Everything received, once the server closed the connection. */
    async rest(): Promise<Buffer> {
      socket.resume();
      await ended;
      return Buffer.concat(chunks);
    },
  };
}

/** Splits a raw HTTP/1.1 response into its head and its (de-chunked) body. */
export function parseHttp(raw: Buffer): { status: number; headers: Record<string, string>; body: Buffer; complete: boolean } {
  const end = raw.indexOf("\r\n\r\n");
  expect(end, "the answer needs an HTTP head").toBeGreaterThan(0);
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(lines[0]!.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(":")).toLowerCase()] = l.slice(l.indexOf(":") + 1).trim();
  let body = raw.subarray(end + 4);
  let complete = true;
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const parts: Buffer[] = [];
    let at = 0;
    complete = false;
    for (;;) {
      const eol = body.indexOf("\r\n", at);
      if (eol < 0) break;
      const size = parseInt(body.subarray(at, eol).toString("latin1"), 16);
      if (!Number.isFinite(size)) break;
      if (size === 0) {
        complete = true;
        break;
      }
      if (eol + 2 + size > body.length) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers["content-length"]) {
    complete = body.length === Number(headers["content-length"]);
  }
  return { status, headers, body, complete };
}

// The orders, as the source computes them (src/orders.ts, which the learner must not change).
const CUSTOMERS = ["Ada Lovelace", "Grace Hopper", "O'Brien, Ltd", "Zoë Ångström", "Linus T.", "The \"Best\" Shop", "Margaret H.", "Ken T."];
const COUNTRIES = ["DE", "FR", "NL", "SE", "US", "JP", "BR", "IN"];
const NOTES = ["", "", "", "Leave at the door, ring twice", "Gift wrap please", "Deliver after 6pm", "Call \"Sam\" on arrival", "Line one\nline two"];
const STATUSES = ["paid", "pending", "refunded", "cancelled"];
const EPOCH = Date.UTC(2026, 0, 1);

export const COLUMNS = ["id", "created_at", "customer", "country", "amount_cents", "currency", "status", "note"];

/** Order `id` as the CSV's fields (strings). */
export function expectedFields(id: number): string[] {
  return [
    String(id),
    new Date(EPOCH + id * 137_000).toISOString(),
    CUSTOMERS[id % CUSTOMERS.length]!,
    COUNTRIES[(id * 7) % COUNTRIES.length]!,
    String(100 + ((id * 7919) % 250_000)),
    "EUR",
    STATUSES[(id * 31) % 97 < 80 ? 0 : ((id * 13) % 3) + 1]!,
    NOTES[(id * 11) % NOTES.length]!,
  ];
}

/**
 * RFC 4180 records, one at a time: records end with CRLF; a quoted field may hold commas,
 * line breaks and "" for a quote. One record at a time keeps a 200 000-row check small.
 */
export function* csvRecords(text: string): Generator<string[]> {
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") {
      quoted = true;
      i++;
    } else if (c === ",") {
      record.push(field);
      field = "";
      i++;
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      yield record;
      record = [];
      field = "";
      i += 2;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== "" || record.length) throw new Error(`the CSV does not end with CRLF after its last record (last record: ${JSON.stringify([...record, field]).slice(0, 200)})`);
}

/** Compares the CSV's records with the header and the orders `ids`, naming the first difference. */
export function expectOrders(text: string, ids: number[], what: string): void {
  let k = -1;
  for (const got of csvRecords(text)) {
    if (k === -1) {
      expect(got, `${what}: the first line is the header`).toEqual(COLUMNS);
    } else {
      expect(k < ids.length, `${what}: more records than the ${ids.length} orders`).toBe(true);
      const want = expectedFields(ids[k]!);
      if (got.length !== want.length || got.some((v, j) => v !== want[j])) {
        expect(got, `${what}: record ${k + 1} (order ${ids[k]}) differs (a field with a comma, a quote or a line break must be quoted, RFC 4180)`).toEqual(want);
      }
    }
    k++;
  }
  expect(Math.max(k, 0), `${what}: one record per order`).toBe(ids.length);
}
