import createDebug from "debug";
import { z } from "zod";

const debug = createDebug("money-format");

const Amount = z.object({ minor: z.number().int(), currency: z.string().regex(/^[A-Z]{3}$/) });

/** Formats { minor: 123456, currency: "EUR" } as "1,234.56 EUR". */
export function format(input) {
  const { minor, currency } = Amount.parse(input);
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const units = Math.floor(abs / 100).toLocaleString("en-US");
  const out = `${sign}${units}.${String(abs % 100).padStart(2, "0")} ${currency}`;
  debug("format %o -> %s", input, out);
  return out;
}

/** Parses "1,234.56 EUR" back to { minor: 123456, currency: "EUR" }. */
export function parse(text) {
  const m = /^(-?)([\d,]+)\.(\d{2}) ([A-Z]{3})$/.exec(text.trim());
  if (!m) throw new Error(`not an amount: ${text}`);
  const minor = Number(m[2].replaceAll(",", "")) * 100 + Number(m[3]);
  return { minor: m[1] ? -minor : minor, currency: m[4] };
}
