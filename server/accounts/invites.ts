import crypto from "node:crypto";
import type { Database } from "../db/database.ts";
import { forbidden } from "../errors.ts";
import type { Role } from "./schema.ts";
import { hashToken } from "./sessions.ts";

export type InviteKind = "first-admin" | "invite";
export type Invite = {
  id: number;
  kind: InviteKind;
  role: Role;
  email: string | null;
  createdAt: string;
  expiresAt: string;
};

type Row = { id: number; kind: InviteKind; role: Role; email: string | null; created_at: string; expires_at: string };
const toInvite = (r: Row): Invite => ({
  id: r.id,
  kind: r.kind,
  role: r.role,
  email: r.email,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** How long the first admin's link printed at start works. */
export const FIRST_ADMIN_HOURS = 24;

/** One-time links (the first admin's, admins' invites): only the token's hash is stored. */
export class Invites {
  constructor(private db: Database) {}

  create(props: {
    kind: InviteKind;
    role: Role;
    email?: string | null;
    createdBy?: number | null;
    ttlMs: number;
  }): Invite & { token: string } {
    const token = crypto.randomBytes(32).toString("base64url");
    const now = new Date();
    const row = this.db.get<Row>(
      "INSERT INTO invites (token_hash, kind, role, email, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
      [
        hashToken(token),
        props.kind,
        props.role,
        props.email ?? null,
        props.createdBy ?? null,
        now.toISOString(),
        new Date(now.getTime() + props.ttlMs).toISOString(),
      ],
    )!;
    return { ...toInvite(row), token };
  }

  /**
   * Uses a link once: marks it used and returns it, or refuses with one answer for unknown,
   * used and expired links. Call inside the transaction that creates the account.
   */
  consume(token: string, kind: InviteKind, email: string): Invite {
    const row = this.db.get<Row>(
      "SELECT * FROM invites WHERE token_hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?",
      [hashToken(token), kind, new Date().toISOString()],
    );
    if (!row || (row.email !== null && row.email.toLowerCase() !== email.toLowerCase())) {
      throw forbidden(
        kind === "first-admin"
          ? "This setup link is invalid, used or expired; restart the lab for a new one."
          : "This invite is invalid, used or expired, or made for another email.",
      );
    }
    this.db.run("UPDATE invites SET used_at = ? WHERE id = ?", [new Date().toISOString(), row.id]);
    return toInvite(row);
  }

  /** What an unused, unexpired invite link is for (role, bound email), without using it. */
  peek(token: string): Invite | undefined {
    const row = this.db.get<Row>(
      "SELECT * FROM invites WHERE token_hash = ? AND kind = 'invite' AND used_at IS NULL AND expires_at > ?",
      [hashToken(token), new Date().toISOString()],
    );
    return row && toInvite(row);
  }

  markUsedBy(id: number, userId: number): void {
    this.db.run("UPDATE invites SET used_by = ? WHERE id = ?", [userId, id]);
  }

  pending(): Invite[] {
    return this.db
      .all<Row>("SELECT * FROM invites WHERE kind = 'invite' AND used_at IS NULL AND expires_at > ? ORDER BY id DESC", [
        new Date().toISOString(),
      ])
      .map(toInvite);
  }

  exists(id: number): boolean {
    return (
      this.db.get("SELECT 1 FROM invites WHERE id = ? AND kind = 'invite' AND used_at IS NULL", [id]) !== undefined
    );
  }

  revoke(id: number): void {
    this.db.run("DELETE FROM invites WHERE id = ? AND kind = 'invite'", [id]);
  }

  /** Earlier first-admin links stop working when a new one is printed (only the newest is known). */
  dropFirstAdminLinks(): void {
    this.db.run("DELETE FROM invites WHERE kind = 'first-admin' AND used_at IS NULL");
  }
}
