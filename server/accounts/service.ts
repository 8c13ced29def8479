import crypto from "node:crypto";
import type { Database } from "../db/database.ts";
import { conflict, Problem } from "../errors.ts";
import { dummyHash, hashPassword, verifyPassword } from "./password.ts";
import type { User } from "./schema.ts";

export const SESSION_COOKIE = "backlab_session";
const SESSION_DAYS = 14;

type UserRow = { id: number; email: string; display_name: string; role: User["role"]; password_hash: string };

const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, displayName: r.display_name, role: r.role });
const hashToken = (token: string) => crypto.createHash("sha256").update(token).digest("hex");

export class Accounts {
  constructor(private db: Database) {}

  async signup(props: { email: string; displayName: string; password: string }): Promise<User> {
    const hash = await hashPassword(props.password);
    try {
      const info = this.db.run("INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES (?, ?, ?, 'learner', ?)", [
        props.email,
        props.displayName,
        hash,
        new Date().toISOString(),
      ]);
      return { id: Number(info.lastInsertRowid), email: props.email, displayName: props.displayName, role: "learner" };
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw conflict("An account with this email already exists.");
      throw err;
    }
  }

  /** The same answer, in about the same time, for an unknown email and a wrong password. */
  async login(email: string, password: string): Promise<User> {
    const row = this.db.get<UserRow>("SELECT * FROM users WHERE email = ?", [email]);
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
    if (!row || !ok) throw new Problem(401, "bad-credentials", "Sign-in failed", "The email or password is wrong.");
    return toUser(row);
  }

  createSession(userId: number): { token: string; expires: Date } {
    const token = crypto.randomBytes(32).toString("base64url");
    const now = new Date();
    const expires = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
    this.db.run("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", [hashToken(token), userId, now.toISOString(), expires.toISOString()]);
    return { token, expires };
  }

  userForSession(token: string | undefined): User | null {
    if (!token || token.length > 100) return null;
    const row = this.db.get<UserRow>(
      "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?",
      [hashToken(token), new Date().toISOString()],
    );
    return row ? toUser(row) : null;
  }

  endSession(token: string | undefined): void {
    if (token) this.db.run("DELETE FROM sessions WHERE token_hash = ?", [hashToken(token)]);
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
