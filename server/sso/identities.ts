import type { Role, User } from "../accounts/schema.ts";
import type { AuditLog } from "../audit/service.ts";
import type { Database } from "../db/database.ts";
import { SsoRefusal } from "./refusal.ts";

type UserRow = { id: number; email: string; display_name: string; role: Role; disabled_at: string | null };

const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, displayName: r.display_name, role: r.role });

/**
 * The local account of a provider identity: the one already linked; else the signed-in user
 * who asked to link; else, when the admin allows it, the account with the same verified email;
 * else a new account. An existing account is never taken over on its email alone otherwise.
 */
export function linkOrCreate(
  db: Database,
  p: {
    issuer: string;
    subject: string;
    email: string;
    displayName: string;
    role: Role;
    linkUserId: number | null;
    linkByEmail: boolean;
    providerName: string;
  },
): { user: User; linked: boolean; created: boolean } {
  return db.transaction(() => {
    const now = new Date().toISOString();
    const known = db.get<UserRow & { ident_email: string | null }>(
      "SELECT u.*, i.email AS ident_email FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = ? AND i.subject = ?",
      [p.issuer, p.subject],
    );
    if (known) {
      if (p.linkUserId !== null && p.linkUserId !== known.id)
        throw new SsoRefusal("already-linked", `This ${p.providerName} account is already linked to another account.`);
      refuseDisabled(known);
      db.run("UPDATE user_identities SET email = ?, last_login_at = ? WHERE issuer = ? AND subject = ?", [
        p.email,
        now,
        p.issuer,
        p.subject,
      ]);
      return { user: toUser(known), linked: false, created: false };
    }
    const link = (row: UserRow) => {
      refuseDisabled(row);
      if (db.get("SELECT 1 FROM user_identities WHERE user_id = ? AND issuer = ?", [row.id, p.issuer]))
        throw new SsoRefusal("already-linked", `Your account is already linked to another ${p.providerName} account.`);
      db.run(
        "INSERT INTO user_identities (issuer, subject, user_id, email, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)",
        [p.issuer, p.subject, row.id, p.email, now, now],
      );
      return { user: toUser(row), linked: true, created: false };
    };
    if (p.linkUserId !== null) {
      const row = db.get<UserRow>("SELECT * FROM users WHERE id = ?", [p.linkUserId]);
      if (row) return link(row);
    }
    const same = db.get<UserRow>("SELECT * FROM users WHERE email = ?", [p.email]);
    if (same) {
      if (p.linkByEmail && same.role !== "candidate") return link(same);
      throw new SsoRefusal(
        "link-required",
        `An account with ${p.email} already exists. Sign in with its password, then link ${p.providerName} on your Account page.`,
      );
    }
    // '!' is no password hash: this account signs in through the provider only.
    const id = Number(
      db.run("INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES (?, ?, '!', ?, ?)", [
        p.email,
        p.displayName.slice(0, 80),
        p.role,
        now,
      ]).lastInsertRowid,
    );
    db.run(
      "INSERT INTO user_identities (issuer, subject, user_id, email, created_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)",
      [p.issuer, p.subject, id, p.email, now, now],
    );
    return {
      user: { id, email: p.email, displayName: p.displayName.slice(0, 80), role: p.role },
      linked: false,
      created: true,
    };
  });
}

function refuseDisabled(row: UserRow): void {
  if (row.disabled_at) throw new SsoRefusal("disabled", "This account is disabled; ask an admin.");
}

/** Sets the role the provider's groups give, auditing a change. A candidate is never touched. */
export function syncRole(deps: { db: Database; audit: AuditLog }, user: User, role: Role): void {
  if (user.role === role || user.role === "candidate") return;
  deps.db.run("UPDATE users SET role = ? WHERE id = ?", [role, user.id]);
  deps.audit.record({
    actorId: null,
    action: "user.role",
    target: { kind: "user", id: user.id },
    details: { from: user.role, to: role, via: "sso-groups" },
  });
}
