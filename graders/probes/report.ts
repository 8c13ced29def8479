import type { HttpResponse } from "./http.ts";
import { MAX_PROBE_TEXT, type ProbeResult } from "./types.ts";

/** Caps text at `max` characters with an ellipsis. */
export function clip(text: string, max = MAX_PROBE_TEXT): string {
  return text.length <= max ? text : text.slice(0, Math.max(0, max - 1)) + "…";
}

/** A value quoted for a message, control characters made visible, capped. */
export function show(value: string, max = 80): string {
  // eslint-disable-next-line no-control-regex -- making control characters visible is the point
  const visible = value.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === "\n"
      ? "\\n"
      : c === "\r"
        ? "\\r"
        : c === "\t"
          ? "\\t"
          : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return JSON.stringify(clip(visible, max));
}

export const pass = (message: string, evidence?: string): ProbeResult => ({
  status: "pass",
  message: clip(message),
  ...(evidence ? { evidence: clip(evidence) } : {}),
});
export const fail = (message: string, evidence?: string, advice?: string): ProbeResult => ({
  status: "fail",
  message: clip(message),
  ...(evidence ? { evidence: clip(evidence) } : {}),
  ...(advice ? { advice: clip(advice, 300) } : {}),
});

/** A failure's whole text: the message, then the exercise's advice if it has one, else the probe's. */
export function withAdvice(result: Pick<ProbeResult, "message" | "advice">, exerciseAdvice?: unknown): string {
  const advice = typeof exerciseAdvice === "string" && exerciseAdvice ? exerciseAdvice : result.advice;
  return advice ? `${result.message} ${advice}` : result.message;
}
export const error = (message: string, evidence?: string): ProbeResult => ({
  status: "error",
  message: clip(message),
  ...(evidence ? { evidence: clip(evidence) } : {}),
});

/** `GET /search?q=%27 → 500` */
export function line(res: HttpResponse): string {
  return `${res.method} ${clip(res.target, 120)} → ${res.status}`;
}

/** A compact request/response transcript for `evidence`. */
export function exchange(res: HttpResponse, bodyChars = 160): string {
  const out = [`> ${res.method} ${clip(res.target, 160)}`];
  if (res.requestBody) out.push(`> ${clip(res.requestBody.replace(/\s+/g, " "), 120)}`);
  const ct = res.header("content-type");
  out.push(`< ${res.status}${ct ? ` (${ct})` : ""}, ${res.body.length} bytes, ${Math.round(res.ms)} ms`);
  const location = res.header("location");
  if (location) out.push(`< location: ${clip(location, 120)}`);
  if (res.body) out.push(`< ${clip(res.body.replace(/\s+/g, " ").trim(), bodyChars)}`);
  return out.join("\n");
}

/** Evidence from several exchanges, each shortened so the whole fits. */
export function exchanges(list: HttpResponse[]): string {
  const each = Math.max(60, Math.floor(MAX_PROBE_TEXT / Math.max(1, list.length)) - 120);
  return clip(list.map((r) => exchange(r, each)).join("\n"));
}

/** A short excerpt of `text` around `needle`. */
export function around(text: string, needle: string | RegExp, radius = 60): string {
  const m =
    typeof needle === "string"
      ? { index: text.indexOf(needle), len: needle.length }
      : (() => {
          const r = needle.exec(text);
          return { index: r ? r.index : -1, len: r ? r[0].length : 0 };
        })();
  if (m.index < 0) return clip(text, radius * 2);
  const start = Math.max(0, m.index - radius);
  return (
    (start > 0 ? "…" : "") +
    text.slice(start, m.index + m.len + radius).replace(/\s+/g, " ") +
    (m.index + m.len + radius < text.length ? "…" : "")
  );
}

/** The legitimate flow broke: the probe reports `fail` (a fix must keep the feature working). */
export class LegitFailure extends Error {
  override name = "LegitFailure";
  constructor(
    message: string,
    readonly evidence?: string,
  ) {
    super(message);
  }
}

/** Throws LegitFailure unless `res` is 2xx. */
export function expectOk(res: HttpResponse, what: string): HttpResponse {
  if (res.status < 200 || res.status > 299) {
    throw new LegitFailure(
      `${what} did not work: ${line(res)}. The probe needs the normal request to succeed before it can attack; a fix must keep the feature working.`,
      exchange(res),
    );
  }
  return res;
}

export const random = (bytes = 4) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

/** Lower-case letters only: a marker that also fits inputs which refuse digits. */
export const letters = (n = 8) =>
  Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => String.fromCharCode(97 + (b % 26))).join("");
