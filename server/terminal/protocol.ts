import { z } from "zod";

/**
 * The terminal's wire protocol. Binary frames are raw terminal bytes in both directions;
 * text frames are JSON control messages, one of the types below. Later additions (flow
 * control acks, reattach, observer mode) are new message types, not a new protocol.
 */
export const ClientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("resize"), cols: z.number().int().min(2).max(500), rows: z.number().int().min(1).max(200) }),
  z.object({ type: z.literal("ping"), t: z.number() }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type ServerMessage =
  | { type: "ready" }
  | { type: "exit"; code: number | null }
  | { type: "error"; message: string }
  | { type: "pong"; t: number };

/** Largest frame accepted from a client: a paste, not a file upload. */
export const MAX_CLIENT_FRAME = 64 * 1024;

export const CLOSE = { policy: 1008, tooBig: 1009, internal: 1011, normal: 1000 } as const;
