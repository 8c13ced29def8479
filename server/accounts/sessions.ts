import crypto from "node:crypto";
import type { Database } from "../db/database.ts";
import type { User } from "./schema.ts";

export const SESSION_COOKIE = "backlab_session";

export const hashToken = (token: string) => crypto.createHash("sha256").update(token).digest("hex");
const random = (bytes: number) => crypto.randomBytes(bytes).toString("base64url");

/** Writing last_seen_at on every request would make each GET a disk write; a minute is precise enough. */
const TOUCH_EVERY_MS = 60_000;

export type SessionInfo = { id: string; csrfToken: string };
export type SessionListItem = {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  current: boolean;
};

type Row = {
  sid: string;
  csrf_token: string;
  last_seen_at: string;
  expires_at: string;
  id: number;
  email: string;
  display_name: string;
  role: User["role"];
  disabled_at: string | null;
};

/**
 * Server-side sessions. The cookie holds a random token; the database holds its SHA-256, a
 * CSRF token bound to the session, and two clocks: idle (last seen) and absolute (expires).
 * A disabled account's sessions are deleted, and never resolve even if one were left.
 */
export class Sessions {
  constructor(
    private db: Database,
    private opts: { idleMs: number; maxMs: number },
  ) {}

  create(userId: number, userAgent?: string): SessionInfo & { token: string; expires: Date } {
    const token = random(32);
    const now = new Date();
    const expires = new Date(now.getTime() + this.opts.maxMs);
    const info = { id: random(12), csrfToken: random(32) };
    this.db.run(
      "INSERT INTO sessions (id, token_hash, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [
        info.id,
        hashToken(token),
        userId,
        info.csrfToken,
        userAgent?.slice(0, 200) ?? null,
        now.toISOString(),
        now.toISOString(),
        expires.toISOString(),
      ],
    );
    return { ...info, token, expires };
  }

  /** The session's user and ids, if the token is live; an idle or expired session is deleted on sight. */
  resolve(token: string | undefined): { user: User; session: SessionInfo } | null {
    if (!token || token.length > 100) return null;
    const row = this.db.get<Row>(
      "SELECT s.id AS sid, s.csrf_token, s.last_seen_at, s.expires_at, u.id, u.email, u.display_name, u.role, u.disabled_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
      [hashToken(token)],
    );
    if (!row) return null;
    const now = Date.now();
    if (
      row.disabled_at ||
      Date.parse(row.expires_at) <= now ||
      Date.parse(row.last_seen_at) + this.opts.idleMs <= now
    ) {
      this.db.run("DELETE FROM sessions WHERE id = ?", [row.sid]);
      return null;
    }
    if (now - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS)
      this.db.run("UPDATE sessions SET last_seen_at = ? WHERE id = ?", [new Date(now).toISOString(), row.sid]);
    return {
      user: { id: row.id, email: row.email, displayName: row.display_name, role: row.role },
      session: { id: row.sid, csrfToken: row.csrf_token },
    };
  }

  end(token: string | undefined): void {
    if (token) this.db.run("DELETE FROM sessions WHERE token_hash = ?", [hashToken(token)]);
  }

  endById(id: string): void {
    this.db.run("DELETE FROM sessions WHERE id = ?", [id]);
  }

  /** Ends every session of a user, or every other one. Returns how many ended. */
  endAll(userId: number, exceptId?: string): number {
    return this.db.run("DELETE FROM sessions WHERE user_id = ? AND id <> ?", [userId, exceptId ?? ""]).changes;
  }

  ownerOf(id: string): number | undefined {
    return this.db.get<{ user_id: number }>("SELECT user_id FROM sessions WHERE id = ?", [id])?.user_id;
  }

  list(userId: number, currentId: string | undefined): SessionListItem[] {
    const now = Date.now();
    return this.db
      .all<{ id: string; created_at: string; last_seen_at: string; expires_at: string; user_agent: string | null }>(
        "SELECT id, created_at, last_seen_at, expires_at, user_agent FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC",
        [userId],
      )
      .filter((s) => Date.parse(s.expires_at) > now && Date.parse(s.last_seen_at) + this.opts.idleMs > now)
      .map((s) => ({
        id: s.id,
        createdAt: s.created_at,
        lastSeenAt: s.last_seen_at,
        expiresAt: s.expires_at,
        userAgent: s.user_agent,
        current: s.id === currentId,
      }));
  }

  /** Deletes sessions past either clock (called at start; resolve() deletes the ones it meets). */
  sweep(): number {
    const now = Date.now();
    return this.db.run("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", [
      new Date(now).toISOString(),
      new Date(now - this.opts.idleMs).toISOString(),
    ]).changes;
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const key = part.slice(0, eq).trim();
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed cookie is ignored, not an error
    }
  }
  return out;
}
