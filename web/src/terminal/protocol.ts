/**
 * Terminal WebSocket protocol.
 *
 * Binary frames (both directions): raw terminal bytes.
 * Text frames: JSON control messages, typed below.
 */

export type TerminalStatus = "connecting" | "connected" | "ended" | "error";

// The message types are the server's own (server/terminal/protocol.ts): one definition of
// the protocol, checked by the compiler on both ends. Type-only: nothing of the server is bundled.
import type { ClientMessage, ServerMessage } from "../../../server/terminal/protocol.ts";

export type { ClientMessage, ServerMessage };

export function terminalUrl(loc: Pick<Location, "protocol" | "host">, workspaceId: string): string {
  const scheme = loc.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${loc.host}/api/workspaces/${encodeURIComponent(workspaceId)}/terminal`;
}

export function encodeClientMessage(msg: ClientMessage): string {
  return JSON.stringify(msg);
}

const encoder = new TextEncoder();
export function encodeInput(data: string): Uint8Array {
  return encoder.encode(data);
}

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
      return { type: "ready" };
    case "exit":
      return { type: "exit", code: typeof m.code === "number" ? m.code : null };
    case "error":
      return { type: "error", message: typeof m.message === "string" ? m.message : "Unknown error" };
    case "pong":
      return typeof m.t === "number" ? { type: "pong", t: m.t } : null;
    default:
      return null;
  }
}
