import crypto from "node:crypto";
import type { Database } from "../db/database.ts";
import { forbidden, notFound } from "../errors.ts";
import { hashPassword } from "./password.ts";
import { hashToken } from "./sessions.ts";

/** How long an admin's password reset link works. */
export const RESET_HOURS = 24;

export type PasswordReset = { id: number; userId: number; createdAt: string; expiresAt: string };

type Row = { id: number; user_id: number; created_at: string; expires_at: string };

/**
 * One-time password reset links, made by an admin for a user (the lab sends no mail: the
 * admin hands the link over). Only the token's hash is stored; a newer link replaces the
 * older ones; using one sets the password and ends every session of the account.
 */
export class PasswordResets {
  constructor(private db: Database) {}

  create(userId: number, createdBy: number | null, ttlMs = RESET_HOURS * 3_600_000): PasswordReset & { token: string } {
    if (!this.db.get("SELECT 1 FROM users WHERE id = ?", [userId])) throw notFound("The user");
    const token = crypto.randomBytes(32).toString("base64url");
    const now = new Date();
    const row = this.db.transaction(() => {
      this.db.run("DELETE FROM password_resets WHERE user_id = ? AND used_at IS NULL", [userId]);
      return this.db.get<Row>(
        "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
        [hashToken(token), userId, createdBy, now.toISOString(), new Date(now.getTime() + ttlMs).toISOString()],
      )!;
    });
    return { id: row.id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at, token };
  }

  /**
   * Uses a link once: one answer for unknown, used and expired links. The password is hashed
   * before the transaction (argon2 is slow); the link is claimed and the password set in one.
   */
  async consume(token: string, password: string): Promise<{ userId: number; email: string; resetId: number }> {
    const hash = await hashPassword(password);
    return this.db.transaction(() => {
      const row = this.db.get<Row & { email: string }>(
        "SELECT r.*, u.email FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ? AND u.disabled_at IS NULL",
        [hashToken(token), new Date().toISOString()],
      );
      if (!row) throw forbidden("This password reset link is invalid, used or expired; ask an admin for a new one.");
      this.db.run("UPDATE password_resets SET used_at = ? WHERE id = ?", [new Date().toISOString(), row.id]);
      this.db.run("UPDATE users SET password_hash = ? WHERE id = ?", [hash, row.user_id]);
      return { userId: row.user_id, email: row.email, resetId: row.id };
    });
  }
}
