import { EventEmitter } from "node:events";
import type { Database } from "../db/database.ts";
import { conflict, forbidden, notFound, Problem } from "../errors.ts";
import { FIRST_ADMIN_HOURS, Invites } from "./invites.ts";
import { PasswordResets } from "./password-resets.ts";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "./password.ts";
import type { Role, User } from "./schema.ts";
import { Sessions } from "./sessions.ts";

export { parseCookies, SESSION_COOKIE } from "./sessions.ts";

type UserRow = {
  id: number;
  email: string;
  display_name: string;
  role: Role;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
};

export type UserAdminView = User & { createdAt: string; disabled: boolean; lastSeenAt: string | null };

const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, displayName: r.display_name, role: r.role });

export type AccountOptions = {
  signup: "open" | "invite";
  idleMs: number;
  maxMs: number;
  inviteDays: number;
};

const badCredentials = () => new Problem(401, "bad-credentials", "Sign-in failed", "The email or password is wrong.");

/** Users, passwords, roles; sessions and one-time links live in their own modules. */
export class Accounts {
  readonly sessions: Sessions;
  readonly invites: Invites;
  readonly passwordResets: PasswordResets;
  /**
   * `revoked` (userId): every session of the user just ended (disabled, signed out
   * everywhere); live terminals, authenticated only at their upgrade, close on it.
   */
  readonly events = new EventEmitter();

  constructor(
    private db: Database,
    readonly opts: AccountOptions = { signup: "open", idleMs: 24 * 3_600_000, maxMs: 14 * 86_400_000, inviteDays: 7 },
  ) {
    this.sessions = new Sessions(db, opts);
    this.invites = new Invites(db);
    this.passwordResets = new PasswordResets(db);
  }

  /**
   * A new account. With SIGNUP=invite an invite is required; with one (either mode) the
   * account gets the invite's role. The invite is used up in the same transaction.
   */
  async signup(props: { email: string; displayName: string; password: string; invite?: string }): Promise<User> {
    if (this.opts.signup === "invite" && !props.invite)
      throw new Problem(
        403,
        "invite-required",
        "Invite required",
        "Sign-up on this lab is by invitation; ask an admin for an invite link.",
      );
    const hash = await hashPassword(props.password);
    return this.db.transaction(() => {
      const invite = props.invite ? this.invites.consume(props.invite, "invite", props.email) : undefined;
      const user = this.insert({ ...props, hash, role: invite?.role ?? "learner" });
      if (invite) this.invites.markUsedBy(invite.id, user.id);
      return user;
    });
  }

  /** The first admin, from the one-time link printed at start. */
  async createFirstAdmin(props: {
    token: string;
    email: string;
    displayName: string;
    password: string;
  }): Promise<User> {
    const hash = await hashPassword(props.password);
    return this.db.transaction(() => {
      const invite = this.invites.consume(props.token, "first-admin", props.email);
      const user = this.insert({ ...props, hash, role: "admin" });
      this.invites.markUsedBy(invite.id, user.id);
      return user;
    });
  }

  /**
   * While the lab has no admin: a fresh one-time link token (earlier ones stop working,
   * their tokens were never stored). Undefined once an admin exists.
   */
  firstAdminToken(): string | undefined {
    if (this.db.get("SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL")) return undefined;
    this.invites.dropFirstAdminLinks();
    return this.invites.create({ kind: "first-admin", role: "admin", ttlMs: FIRST_ADMIN_HOURS * 3_600_000 }).token;
  }

  /** The same answer, in about the same time, for an unknown email and a wrong password. */
  async login(email: string, password: string): Promise<User> {
    const row = this.db.get<UserRow>("SELECT * FROM users WHERE email = ?", [email]);
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
    if (!row || !ok) throw badCredentials();
    // Only someone who knows the password learns that the account is disabled.
    if (row.disabled_at) throw forbidden("This account is disabled; ask an admin.");
    if (needsRehash(row.password_hash))
      this.db.run("UPDATE users SET password_hash = ? WHERE id = ?", [await hashPassword(password), row.id]);
    return toUser(row);
  }

  /** Needs the current password; the caller then ends the user's other sessions. */
  async changePassword(userId: number, current: string, next: string): Promise<void> {
    const row = this.db.get<UserRow>("SELECT * FROM users WHERE id = ?", [userId]);
    if (!row) throw notFound("The account");
    if (!(await verifyPassword(current, row.password_hash)))
      throw new Problem(403, "wrong-password", "Wrong password", "The current password is wrong.");
    this.db.run("UPDATE users SET password_hash = ? WHERE id = ?", [await hashPassword(next), userId]);
  }

  userForSession(token: string | undefined): User | null {
    return this.sessions.resolve(token)?.user ?? null;
  }

  list(): UserAdminView[] {
    return this.db
      .all<UserRow & { last_seen: string | null }>(
        "SELECT u.*, (SELECT max(last_seen_at) FROM sessions s WHERE s.user_id = u.id) AS last_seen FROM users u ORDER BY u.id",
      )
      .map((r) => ({
        ...toUser(r),
        createdAt: r.created_at,
        disabled: r.disabled_at !== null,
        lastSeenAt: r.last_seen,
      }));
  }

  /**
   * An admin changes a user's role or disables/enables the account. Disabling ends every
   * session at once. An admin cannot demote or disable themself, so a lab keeps an admin.
   */
  update(actorId: number, userId: number, change: { role?: Role; disabled?: boolean }): UserAdminView {
    return this.db.transaction(() => {
      const row = this.db.get<UserRow>("SELECT * FROM users WHERE id = ?", [userId]);
      if (!row) throw notFound("The user");
      if (userId === actorId && ((change.role && change.role !== row.role) || change.disabled)) {
        throw conflict("You cannot change your own role or disable your own account; another admin can.");
      }
      if (change.role) this.db.run("UPDATE users SET role = ? WHERE id = ?", [change.role, userId]);
      if (change.disabled === true && !row.disabled_at) {
        this.db.run("UPDATE users SET disabled_at = ? WHERE id = ?", [new Date().toISOString(), userId]);
        this.revokeAll(userId);
      }
      if (change.disabled === false) this.db.run("UPDATE users SET disabled_at = NULL WHERE id = ?", [userId]);
      return this.list().find((u) => u.id === userId)!;
    });
  }

  /** Ends every session of the user and tells whoever holds a connection opened with one. */
  revokeAll(userId: number): number {
    const ended = this.sessions.endAll(userId);
    this.events.emit("revoked", userId);
    return ended;
  }

  private insert(props: { email: string; displayName: string; hash: string; role: Role }): User {
    try {
      const info = this.db.run(
        "INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
        [props.email, props.displayName, props.hash, props.role, new Date().toISOString()],
      );
      return { id: Number(info.lastInsertRowid), email: props.email, displayName: props.displayName, role: props.role };
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE")
        throw conflict("An account with this email already exists.");
      throw err;
    }
  }
}
