import crypto from "node:crypto";
import type { Role, User } from "../accounts/schema.ts";
import { hashToken } from "../accounts/sessions.ts";
import type { AuditLog } from "../audit/service.ts";
import type { Database } from "../db/database.ts";
import { badRequest } from "../errors.ts";
import { scopesFor, type Scope } from "./scopes.ts";

/** Every token starts so: secret scanners can find a leaked one, and the lab tells its own apart. */
export const TOKEN_PREFIX = "blt_";
const TOKEN = /^blt_[A-Za-z0-9_-]{43}$/;
/** last_used_at (and its audit entry) is written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

export type TokenView = {
  id: number;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
};

type Row = {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  scopes: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  last_used_ip: string | null;
  revoked_at: string | null;
};

const toView = (r: Row): TokenView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  scopes: JSON.parse(r.scopes) as Scope[],
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  lastUsedIp: r.last_used_ip,
  revokedAt: r.revoked_at,
});

/** A bearer token that resolved: whose it is, what it may do. */
export type TokenAuth = { id: number; user: User; scopes: Scope[] };

/** Personal API tokens: made and revoked by their owner (an admin may revoke any), used as Bearer. */
export class ApiTokens {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditLog,
  ) {}

  create(
    user: User,
    p: { name: string; scopes: Scope[]; days: number },
    ip: string | undefined,
  ): { token: TokenView; secret: string } {
    const allowed = scopesFor(user.role);
    const refused = p.scopes.filter((s) => !allowed.includes(s));
    if (refused.length) throw badRequest(`Your role (${user.role}) may not give a token ${refused.join(", ")}.`);
    const secret = TOKEN_PREFIX + crypto.randomBytes(32).toString("base64url");
    const now = Date.now();
    const scopes = [...new Set(p.scopes)];
    return this.db.transaction(() => {
      const id = Number(
        this.db.run(
          "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
          [
            user.id,
            p.name,
            hashToken(secret),
            secret.slice(0, 10),
            JSON.stringify(scopes),
            new Date(now).toISOString(),
            new Date(now + p.days * 86_400_000).toISOString(),
          ],
        ).lastInsertRowid,
      );
      this.audit.record({
        actorId: user.id,
        action: "token.create",
        target: { kind: "token", id },
        details: { name: p.name, scopes, days: p.days },
        ip,
      });
      return { token: this.get(id)!, secret };
    });
  }

  list(userId: number): TokenView[] {
    return this.db.all<Row>("SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id DESC", [userId]).map(toView);
  }

  /** Everyone's tokens, newest first, with whose each is (for the admin page); live ones only unless `all`. */
  listAll(p: { all: boolean; limit: number }): (TokenView & { owner: { id: number; email: string } })[] {
    return this.db
      .all<Row & { email: string }>(
        `SELECT t.*, u.email FROM api_tokens t JOIN users u ON u.id = t.user_id
         ${p.all ? "" : "WHERE t.revoked_at IS NULL AND t.expires_at > ?"} ORDER BY t.id DESC LIMIT ?`,
        p.all ? [p.limit] : [new Date().toISOString(), p.limit],
      )
      .map((r) => ({ ...toView(r), owner: { id: r.user_id, email: r.email } }));
  }

  get(id: number): TokenView | undefined {
    const r = this.db.get<Row>("SELECT * FROM api_tokens WHERE id = ?", [id]);
    return r && toView(r);
  }

  ownerOf(id: number): number | undefined {
    return this.db.get<{ user_id: number }>("SELECT user_id FROM api_tokens WHERE id = ?", [id])?.user_id;
  }

  revoke(id: number, actorId: number, ip: string | undefined): TokenView {
    this.db.transaction(() => {
      const r = this.db.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [
        new Date().toISOString(),
        id,
      ]);
      if (r.changes)
        this.audit.record({ actorId, action: "token.revoke", target: { kind: "token", id }, details: {}, ip });
    });
    return this.get(id)!;
  }

  /** The token's owner and scopes, if it is live: not revoked, not expired, its owner enabled. */
  resolve(secret: string, ip: string | undefined): TokenAuth | null {
    if (!TOKEN.test(secret)) return null;
    const row = this.db.get<Row & { email: string; display_name: string; role: Role; disabled_at: string | null }>(
      "SELECT t.*, u.email, u.display_name, u.role, u.disabled_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
      [hashToken(secret)],
    );
    const now = Date.now();
    if (!row || row.revoked_at || row.disabled_at || Date.parse(row.expires_at) <= now) return null;
    if (!row.last_used_at || now - Date.parse(row.last_used_at) > TOUCH_EVERY_MS) {
      this.db.run("UPDATE api_tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ?", [
        new Date(now).toISOString(),
        ip ?? null,
        row.id,
      ]);
      this.audit.record({ actorId: row.user_id, action: "token.use", target: { kind: "token", id: row.id }, ip });
    }
    return {
      id: row.id,
      user: { id: row.user_id, email: row.email, displayName: row.display_name, role: row.role },
      // A scope the owner's role lost since is gone from the token too.
      scopes: (JSON.parse(row.scopes) as Scope[]).filter((s) => scopesFor(row.role).includes(s)),
    };
  }
}
