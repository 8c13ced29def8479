import { z } from "zod";

/**
 * The terminal's wire protocol. Binary frames are raw terminal bytes in both directions
 * (client → server: keystrokes and pastes; server → client: output). Text frames are JSON
 * control messages, one of the types below.
 *
 * Flow control (xterm.js's flow-control guide): the client acknowledges the output bytes it
 * has rendered with `ack`; when a client is more than HIGH_WATERMARK bytes behind, the server
 * pauses the shell's output (the producer blocks in the kernel) and resumes it below
 * LOW_WATERMARK. Reattach: on every attach the server sends `ready`, then `screen` (the
 * serialized screen and scrollback of the session), then live output.
 */
export const ClientMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("resize"),
    cols: z.number().int().min(2).max(500),
    rows: z.number().int().min(1).max(200),
  }),
  z.object({ type: z.literal("ping"), t: z.number() }),
  z.object({
    type: z.literal("ack"),
    bytes: z
      .number()
      .int()
      .min(0)
      .max(1 << 30),
  }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type TerminalRole = "owner" | "observer";

export type ServerMessage =
  | { type: "ready"; session: string; role: TerminalRole; cols: number; rows: number }
  | { type: "screen"; data: string }
  | { type: "exit"; code: number | null }
  | { type: "error"; message: string }
  | { type: "pong"; t: number }
  /** Sent instead of `ready` when the user is at their live-sandbox limit; then close 4029. */
  | { type: "limit"; message: string; live: { exercise: string; title: string }[] };

/** Largest frame accepted from a client: a paste, not a file upload. */
export const MAX_CLIENT_FRAME = 65_536; // 64 KiB, a literal: the contract carries the value as a type

/**
 * Flow control: pause the shell when a client is this far behind, resume below the low mark
 * (half of it: resuming only once nearly everything was acknowledged left the pipe empty for
 * a round trip each time, ~12% of a flood's throughput in the terminal bench).
 */
export const HIGH_WATERMARK = 128 * 1024;
export const LOW_WATERMARK = 64 * 1024;
/** Clients acknowledge at least this often (bytes rendered). */
export const ACK_EVERY = 32_768; // 32 KiB

/**
 * Close codes. 1000: the shell exited. 1008: a malformed or forbidden message. 1009: a frame
 * too big. 1011: the server failed. 1012: the lab is restarting (reconnect). 4000: the
 * session was ended by the lab (idle, maximum age, replaced) — the reason says which; the
 * client may open a new one. 4029: the user is at their live-sandbox limit (after a `limit`
 * message); `?evict=lru` on the next attach stops their least recently used session instead.
 */
export const CLOSE = {
  normal: 1000,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  restart: 1012,
  ended: 4000,
  limit: 4029,
} as const;
