/**
 * The terminal's WebSocket wire format (server/terminal/protocol.ts): message types, and the
 * numbers both ends must agree on as literal types. The page cannot import values from the
 * server, so it declares them with these types (`const CLOSE: CloseCodes = {…}`): a close
 * code added or changed on one side fails the typecheck on the other.
 */
import type {
  ACK_EVERY,
  ClientMessage,
  CLOSE,
  MAX_CLIENT_FRAME,
  ServerMessage,
  TerminalRole,
} from "../terminal/protocol.ts";

export type { ClientMessage, ServerMessage, TerminalRole };
export type ReadyMessage = Extract<ServerMessage, { type: "ready" }>;
/** WebSocket close codes and what each means (see CLOSE in the protocol). */
export type CloseCodes = typeof CLOSE;
/** Acknowledge rendered output at least this often, in bytes. */
export type AckEvery = typeof ACK_EVERY;
/** The largest frame the server accepts from a client, in bytes. */
export type MaxClientFrame = typeof MAX_CLIENT_FRAME;
