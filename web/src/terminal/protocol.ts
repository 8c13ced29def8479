/**
 * Terminal WebSocket protocol (client side).
 *
 * Binary frames (both directions): raw terminal bytes.
 * Text frames: JSON control messages, typed below.
 */

// The wire format is the server's contract (server/contract/terminal.ts): one definition of
// the protocol, checked by the compiler on both ends. Type-only: nothing of the server is bundled.
import type {
  AckEvery,
  ClientMessage,
  CloseCodes,
  MaxClientFrame,
  ServerMessage,
} from "../../../server/contract/terminal.ts";

export type { ClientMessage, ReadyMessage, ServerMessage, TerminalRole } from "../../../server/contract/terminal.ts";

/** What the terminal panel shows; the status badge's text is exactly this word. */
export type TerminalState = "connecting" | "connected" | "reconnecting" | "ended" | "error";

// Values cannot come from the server (type-only import); the contract's literal types make
// these the server's exact numbers: a changed or added one fails the typecheck here.
/** Acknowledge rendered output at least this often, in bytes. */
export const ACK_EVERY: AckEvery = 32_768;
/** Largest frame the server accepts from a client. */
export const MAX_CLIENT_FRAME: MaxClientFrame = 65_536;
/** Close codes. */
export const CLOSE: CloseCodes = {
  normal: 1000,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  restart: 1012,
  ended: 4000,
  limit: 4029,
};

/** Input is sent in frames of at most this many bytes (well under MAX_CLIENT_FRAME). */
export const INPUT_CHUNK = 16 * 1024;

/** `observe`: attach read-only to the live session (`?mode=observe`; the server decides the role). */
export function terminalUrl(
  loc: Pick<Location, "protocol" | "host">,
  workspaceId: string,
  observe = false,
  takeover = false,
  term = 0,
): string {
  const scheme = loc.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${loc.host}/api/workspaces/${encodeURIComponent(workspaceId)}/terminal`;
  const q = new URLSearchParams();
  if (takeover) q.set("mode", "takeover");
  else if (observe) q.set("mode", "observe");
  // The workspace's shell number (a terminal tab); 0, the first, is the default.
  if (term > 0) q.set("term", String(term));
  return q.size ? `${url}?${q}` : url;
}

/** Shells a workspace may have at once (terminal tabs). Server: `MAX_TERMINALS`. */
export const MAX_TERMINALS = 4;

/** The same attach, asking the server to stop the user's least recently used session if at the limit. */
export function evictOldestUrl(url: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}evict=lru`;
}

export function encodeClientMessage(msg: ClientMessage): string {
  return JSON.stringify(msg);
}

const encoder = new TextEncoder();
export function encodeInput(data: string): Uint8Array {
  return encoder.encode(data);
}

/** Split input bytes into frames the server accepts (a split UTF-8 sequence is fine: the pty joins bytes). */
export function chunkInput(bytes: Uint8Array, size = INPUT_CHUNK): Uint8Array[] {
  if (bytes.byteLength <= size) return [bytes];
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const int = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Parse and validate a server text frame; returns null for anything unrecognised. */
export function parseServerMessage(text: string): ServerMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case "ready":
      if (typeof m.session !== "string" || (m.role !== "owner" && m.role !== "observer")) return null;
      if (!int(m.cols) || !int(m.rows) || m.cols < 1 || m.rows < 1) return null;
      return { type: "ready", session: m.session, role: m.role, cols: m.cols, rows: m.rows };
    case "screen":
      return typeof m.data === "string" ? { type: "screen", data: m.data } : null;
    case "exit":
      return { type: "exit", code: typeof m.code === "number" ? m.code : null };
    case "error":
      return { type: "error", message: typeof m.message === "string" ? m.message : "Unknown error" };
    case "pong":
      return typeof m.t === "number" ? { type: "pong", t: m.t } : null;
    case "limit": {
      if (typeof m.message !== "string" || !Array.isArray(m.live)) return null;
      const live = (m.live as unknown[]).filter(
        (l): l is { exercise: string; title: string } =>
          typeof l === "object" &&
          l !== null &&
          typeof (l as { exercise?: unknown }).exercise === "string" &&
          typeof (l as { title?: unknown }).title === "string",
      );
      return { type: "limit", message: m.message, live };
    }
    default:
      return null;
  }
}
