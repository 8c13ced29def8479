// CSV as RFC 4180 has it: comma-separated fields, CRLF line ends, and a field that contains a
// comma, a double quote or a line break enclosed in double quotes, its quotes doubled.
import type { Order } from "./orders.ts";

export const CSV_COLUMNS = ["id", "created_at", "customer", "country", "amount_cents", "currency", "status", "note"];
export const CSV_HEADER = `${CSV_COLUMNS.join(",")}\r\n`;

export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One order as one CSV record, CRLF included. */
export function toCsvLine(o: Order): string {
  return `${[o.id, o.createdAt, o.customer, o.country, o.amountCents, o.currency, o.status, o.note].map(csvField).join(",")}\r\n`;
}
