import crypto from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import { Accounts } from "./service.ts";

/**
 * Accounts on a real lab (real app, database, sessions; the sandbox is a double): password
 * hashes, cookies, session lifetimes, CSRF, the first admin, invites, admin changes, and the
 * bad inputs around them. Every refused request is checked to have changed nothing.
 */

const PASSWORD = "correct horse battery";
let lab: TestLab;
let db: Database;

beforeAll(async () => {
  // Many sign-ins from one IP here; the per-IP limit is tested on its own lab below.
  lab = await startTestLab({ AUTH_ATTEMPTS_PER_IP: "1000" }, { driver: new FakeDriver() });
  db = new Database(path.join(lab.dataDir, "backlab.db"));
});
afterAll(async () => {
  db?.close();
  await lab?.close();
});

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;

async function signup(name = "user"): Promise<Client & { email: string; id: number }> {
  const c = new Client(lab.url) as Client & { email: string; id: number };
  c.email = unique(name);
  const r = await c.json<{ user: { id: number } }>("POST", "/api/auth/signup", { email: c.email, displayName: name, password: PASSWORD });
  expect(r.status).toBe(201);
  c.id = r.body.user.id;
  return c;
}

async function login(email: string, password = PASSWORD): Promise<Client> {
  const c = new Client(lab.url);
  const r = await c.json("POST", "/api/auth/login", { email, password });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return c;
}

const hashOf = (id: number) => db.get<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", [id])!.password_hash;

/** The admin made from the lab's one-time link (once per lab). */
let adminClient: Client | undefined;
async function admin(): Promise<Client> {
  if (adminClient) return adminClient;
  const token = new URL(lab.firstAdminUrl!).hash.slice(1);
  const c = new Client(lab.url);
  const r = await c.json("POST", "/api/auth/first-admin", { token, email: unique("admin"), displayName: "Admin", password: PASSWORD });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  adminClient = c;
  return c;
}

describe("password hashes", () => {
  it("stores argon2id with OWASP's parameters, never the password", async () => {
    const c = await signup();
    const hash = hashOf(c.id);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(hash).not.toContain(PASSWORD);
  });

  it("verifies a scrypt hash from before argon2 and replaces it on the next sign-in", async () => {
    const c = await signup("legacy");
    const salt = crypto.randomBytes(16);
    const key = (await promisify(crypto.scrypt)(PASSWORD, salt, 32)) as Buffer;
    const legacy = `scrypt$16384$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`;
    db.run("UPDATE users SET password_hash = ? WHERE id = ?", [legacy, c.id]);
    expect((await new Client(lab.url).json("POST", "/api/auth/login", { email: c.email, password: "not the password" })).status).toBe(401);
    expect(hashOf(c.id)).toBe(legacy);
    await login(c.email);
    expect(hashOf(c.id)).toMatch(/^\$argon2id\$/);
    await login(c.email);
  });
});

describe("sign-in answers", () => {
  it("answers an unknown email like a wrong password, in a similar time", async () => {
    const c = await signup("timing");
    const time = async (email: string) => {
      const t = performance.now();
      const r = await new Client(lab.url).json("POST", "/api/auth/login", { email, password: "wrong password!" });
      return { ms: performance.now() - t, status: r.status, body: r.body };
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    await time(unique("warm-up"));
    for (let i = 0; i < 9; i++) {
      const w = await time(c.email);
      const u = await time(unique("nobody"));
      expect(u.status).toBe(w.status);
      expect({ ...u.body, instance: null }).toEqual({ ...w.body, instance: null });
      wrong.push(w.ms);
      unknown.push(u.ms);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[4]!;
    // Both verify an argon2id hash (the unknown one against a dummy), so neither answer is
    // the fast one. Bounds are wide: this machine is shared and a sample varies tenfold.
    expect(median(unknown)).toBeGreaterThan(median(wrong) / 3);
    expect(median(unknown)).toBeLessThan(median(wrong) * 3);
  });
});

describe("sessions", () => {
  it("sets an HttpOnly, SameSite=Lax cookie, not Secure over plain HTTP", async () => {
    const c = new Client(lab.url);
    const res = await c.request("POST", "/api/auth/signup", { email: unique("cookie"), displayName: "C", password: PASSWORD });
    const cookie = res.headers.getSetCookie().find((h) => h.startsWith("backlab_session="))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it("rotates the session on sign-in: the old token is dead", async () => {
    const c = await signup("rotate");
    const before = c.cookie;
    expect((await c.json("POST", "/api/auth/login", { email: c.email, password: PASSWORD })).status).toBe(200);
    expect(c.cookie).not.toBe(before);
    const old = new Client(lab.url);
    old.cookie = before;
    expect((await old.json("GET", "/api/auth/me")).status).toBe(401);
    expect((await c.json("GET", "/api/auth/me")).status).toBe(200);
  });

  it("ends a session idle too long, and one past its absolute expiry, however active", async () => {
    const idle = await signup("idle");
    db.run("UPDATE sessions SET last_seen_at = ? WHERE user_id = ?", [new Date(Date.now() - 25 * 3_600_000).toISOString(), idle.id]);
    expect((await idle.json("GET", "/api/auth/me")).status).toBe(401);
    expect(db.get("SELECT count(*) AS n FROM sessions WHERE user_id = ?", [idle.id])).toEqual({ n: 0 });

    const old = await signup("old");
    db.run("UPDATE sessions SET expires_at = ? WHERE user_id = ?", [new Date(Date.now() - 1000).toISOString(), old.id]);
    expect((await old.json("GET", "/api/auth/me")).status).toBe(401);
  });

  it("lists the account's sessions, ends one, and signs out everywhere", async () => {
    const a = await signup("many");
    const b = await login(a.email);
    const list = await a.json<{ sessions: { id: string; current: boolean }[] }>("GET", "/api/auth/sessions");
    expect(list.body.sessions).toHaveLength(2);
    expect(list.body.sessions.filter((s) => s.current)).toHaveLength(1);
    const other = list.body.sessions.find((s) => !s.current)!;
    expect((await a.json("DELETE", `/api/auth/sessions/${other.id}`)).status).toBe(204);
    expect((await b.json("GET", "/api/auth/me")).status).toBe(401);

    const c = await login(a.email);
    const res = await a.json<{ ended: number }>("POST", "/api/auth/logout-everywhere", {});
    expect(res.body.ended).toBe(2);
    for (const client of [a, c]) expect((await client.json("GET", "/api/auth/me")).status).toBe(401);
  });

  it("refuses to end another user's session, which keeps working", async () => {
    const victim = await signup("victim");
    const sid = db.get<{ id: string }>("SELECT id FROM sessions WHERE user_id = ?", [victim.id])!.id;
    const attacker = await signup("attacker");
    expect((await attacker.json("DELETE", `/api/auth/sessions/${sid}`)).status).toBe(404);
    expect((await victim.json("GET", "/api/auth/me")).status).toBe(200);
  });
});

describe("password change", () => {
  it("needs the current password, ends the other sessions and renews this one", async () => {
    const a = await signup("pw");
    const other = await login(a.email);
    const wrong = await a.json("POST", "/api/auth/password", { currentPassword: "not my password", newPassword: "a new long password" });
    expect(wrong.status).toBe(403);
    expect((await other.json("GET", "/api/auth/me")).status).toBe(200);
    await login(a.email);

    const before = a.cookie;
    const ok = await a.json<{ endedSessions: number }>("POST", "/api/auth/password", { currentPassword: PASSWORD, newPassword: "a new long password" });
    expect(ok.status).toBe(200);
    expect(ok.body.endedSessions).toBe(2);
    expect(a.cookie).not.toBe(before);
    expect((await a.json("GET", "/api/auth/me")).status).toBe(200);
    expect((await other.json("GET", "/api/auth/me")).status).toBe(401);
    expect((await new Client(lab.url).json("POST", "/api/auth/login", { email: a.email, password: PASSWORD })).status).toBe(401);
    await login(a.email, "a new long password");
  });

  it("refuses a too-short new password and leaves the old one", async () => {
    const a = await signup("short");
    const r = await a.json<{ detail: string }>("POST", "/api/auth/password", { currentPassword: PASSWORD, newPassword: "short" });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/newPassword/);
    await login(a.email);
  });
});

describe("CSRF", () => {
  it("refuses a write with a missing, forged or another session's token; nothing changes", async () => {
    const a = await signup("csrf");
    const b = await signup("csrf-other");
    const change = { currentPassword: PASSWORD, newPassword: "changed by an attacker" };
    const tries: Record<string, string | undefined> = { missing: undefined, forged: crypto.randomBytes(32).toString("base64url"), "another session's": b.csrf, empty: "" };
    for (const [name, token] of Object.entries(tries)) {
      const res = await fetch(`${lab.url}/api/auth/password`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: a.cookie, ...(token !== undefined ? { "x-csrf-token": token } : {}) },
        body: JSON.stringify(change),
      });
      expect(res.status, name).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect(await res.json()).toMatchObject({ type: "/problems/csrf" });
    }
    await login(a.email);
    expect((await a.json("GET", "/api/auth/me")).status).toBe(200);
  });

  it("hands the token to the signed-in page through /me and changes it with the session", async () => {
    const a = await signup("token");
    const first = a.csrf;
    const me = await a.json<{ csrfToken: string }>("GET", "/api/auth/me");
    expect(me.body.csrfToken).toBe(first);
    await a.json("POST", "/api/auth/login", { email: a.email, password: PASSWORD });
    expect(a.csrf).not.toBe(first);
  });
});

describe("CORS stays closed", () => {
  it("refuses preflights and never sends Access-Control-Allow-* headers", async () => {
    const pre = await fetch(`${lab.url}/api/auth/login`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    expect(pre.status).toBe(403);
    expect(pre.headers.get("content-type")).toMatch(/problem\+json/);
    const a = await signup("cors");
    const responses = [
      pre,
      await fetch(`${lab.url}/api/health`, { headers: { origin: "https://evil.example" } }),
      await fetch(`${lab.url}/api/auth/me`, { headers: { origin: "https://evil.example", cookie: a.cookie } }),
      await fetch(`${lab.url}/api/auth/login`, { method: "POST", headers: { origin: "https://evil.example", "content-type": "application/json" }, body: "{}" }),
      await fetch(`${lab.url}/`, { method: "OPTIONS" }),
    ];
    for (const res of responses) for (const [name] of res.headers) expect(name).not.toMatch(/^access-control-/);
    expect(responses[3]!.status).toBe(403);
  });
});

describe("the first admin", () => {
  it("comes from a one-time link printed at start; the link works once", async () => {
    expect(lab.firstAdminUrl).toMatch(/\/first-admin#[A-Za-z0-9_-]{43}$/);
    const token = new URL(lab.firstAdminUrl!).hash.slice(1);
    const c = await admin();
    expect((await c.json("GET", "/api/auth/me")).body).toMatchObject({ user: { role: "admin" } });
    const again = await new Client(lab.url).json("POST", "/api/auth/first-admin", { token, email: unique("second"), displayName: "X", password: PASSWORD });
    expect(again.status).toBe(403);
    // Only a hash is stored, and once an admin exists no new link is made.
    expect(db.get("SELECT count(*) AS n FROM invites WHERE token_hash = ?", [token])).toEqual({ n: 0 });
    expect(new Accounts(db).firstAdminToken()).toBeUndefined();
  });

  it("refuses an expired link and a made-up one", async () => {
    const accounts = new Accounts(db);
    const expired = accounts.invites.create({ kind: "first-admin", role: "admin", ttlMs: -1000 }).token;
    const body = (token: string) => ({ token, email: unique("late"), displayName: "L", password: PASSWORD });
    expect((await new Client(lab.url).json("POST", "/api/auth/first-admin", body(expired))).status).toBe(403);
    expect((await new Client(lab.url).json("POST", "/api/auth/first-admin", body(crypto.randomBytes(32).toString("base64url")))).status).toBe(403);
    expect((await new Client(lab.url).json("POST", "/api/auth/first-admin", body("short"))).status).toBe(400);
  });
});

describe("admin", () => {
  it("changes roles; the change holds on the user's next request", async () => {
    const a = await admin();
    const u = await signup("promote");
    const r = await a.json<{ user: { role: string } }>("PATCH", `/api/admin/users/${u.id}`, { role: "instructor" });
    expect(r.status).toBe(200);
    expect(r.body.user.role).toBe("instructor");
    expect((await u.json("GET", "/api/auth/me")).body).toMatchObject({ user: { role: "instructor" } });
    const list = await a.json<{ users: { id: number; role: string }[] }>("GET", "/api/admin/users");
    expect(list.body.users.find((x) => x.id === u.id)?.role).toBe("instructor");
  });

  it("records role changes and invites in the audit log, which only admins read", async () => {
    const a = await admin();
    const u = await signup("audited");
    await a.json("PATCH", `/api/admin/users/${u.id}`, { role: "instructor" });
    const inv = await a.json<{ invite: { id: number } }>("POST", "/api/admin/invites", { role: "learner" });
    await a.json("DELETE", `/api/admin/invites/${inv.body.invite.id}`);
    type Entries = { entries: { action: string; actorId: number; target: { kind: string; id: string }; details: Record<string, unknown> }[] };
    const me = (await a.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;
    const roleChange = (await a.json<Entries>("GET", `/api/admin/audit?action=user.update&targetId=${u.id}`)).body.entries;
    expect(roleChange).toHaveLength(1);
    expect(roleChange[0]).toMatchObject({ actorId: me, target: { kind: "user", id: String(u.id) }, details: { from: { role: "learner" }, change: { role: "instructor" } } });
    const invites = (await a.json<Entries>("GET", `/api/admin/audit?action=invite&targetId=${inv.body.invite.id}`)).body.entries;
    expect(invites.map((e) => e.action)).toEqual(["invite.revoke", "invite.create"]);
    expect((await u.json("GET", "/api/admin/audit")).status).toBe(403);
    const bad = await a.json<{ detail: string }>("GET", "/api/admin/audit?action=DROP%20TABLE");
    expect(bad.status).toBe(400);
  });

  it("disables an account (its sessions end at once) and enables it again", async () => {
    const a = await admin();
    const u = await signup("disable");
    expect((await a.json("PATCH", `/api/admin/users/${u.id}`, { disabled: true })).status).toBe(200);
    expect((await u.json("GET", "/api/auth/me")).status).toBe(401);
    const denied = await new Client(lab.url).json<{ detail: string }>("POST", "/api/auth/login", { email: u.email, password: PASSWORD });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/disabled/);
    // A wrong password on a disabled account says no more than on any account.
    expect((await new Client(lab.url).json("POST", "/api/auth/login", { email: u.email, password: "wrong password!" })).status).toBe(401);
    expect((await a.json("PATCH", `/api/admin/users/${u.id}`, { disabled: false })).status).toBe(200);
    await login(u.email);
  });

  it("closes the live terminal of a user signed out everywhere or disabled", async () => {
    const a = await admin();
    const u = await signup("terminal");
    const attach = async () => {
      const ws = await u.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {});
      const socket = new WebSocket(`${lab.url.replace("http", "ws")}/api/workspaces/${ws.body.workspace.id}/terminal`, { headers: { origin: lab.url, cookie: u.cookie } });
      await new Promise<void>((resolve, reject) => {
        socket.on("message", (data, binary) => {
          if (!binary && JSON.parse(String(data)).type === "ready") resolve();
        });
        socket.on("error", reject);
      });
      // Wrapped: an async function returning a promise would wait for it.
      return { closed: new Promise<number>((resolve) => socket.on("close", (code) => resolve(code))) };
    };
    const first = await attach();
    await a.json("PATCH", `/api/admin/users/${u.id}`, { disabled: true });
    expect(await first.closed).toBe(4000);
    await a.json("PATCH", `/api/admin/users/${u.id}`, { disabled: false });
    const again = await login(u.email);
    u.cookie = again.cookie;
    u.csrf = again.csrf;
    const second = await attach();
    await u.json("POST", "/api/auth/logout-everywhere", {});
    expect(await second.closed).toBe(4000);
  });

  it("refuses to demote or disable oneself, an unknown user, and bad changes; nothing changes", async () => {
    const a = await admin();
    const me = (await a.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;
    expect((await a.json("PATCH", `/api/admin/users/${me}`, { role: "learner" })).status).toBe(409);
    expect((await a.json("PATCH", `/api/admin/users/${me}`, { disabled: true })).status).toBe(409);
    expect((await a.json("PATCH", "/api/admin/users/99999999", { role: "learner" })).status).toBe(404);
    expect((await a.json("PATCH", `/api/admin/users/${me}`, { role: "root" })).status).toBe(400);
    expect((await a.json("PATCH", `/api/admin/users/${me}`, {})).status).toBe(400);
    expect((await a.json("PATCH", `/api/admin/users/${me}`, { role: "admin", password_hash: "x" })).status).toBe(400);
    expect((await a.json("PATCH", `/api/admin/users/abc`, { role: "admin" })).status).toBe(400);
    expect((await a.json("GET", "/api/auth/me")).body).toMatchObject({ user: { role: "admin" } });
  });

  it("refuses a learner everything admin, and a learner cannot promote themself", async () => {
    const u = await signup("climber");
    expect((await u.json("GET", "/api/admin/users")).status).toBe(403);
    expect((await u.json("PATCH", `/api/admin/users/${u.id}`, { role: "admin" })).status).toBe(403);
    expect((await u.json("POST", "/api/admin/invites", { role: "admin" })).status).toBe(403);
    expect((await u.json("GET", "/api/auth/me")).body).toMatchObject({ user: { role: "learner" } });
  });
});

describe("invites", () => {
  it("give their role, work once, and can be bound to an email or revoked", async () => {
    const a = await admin();
    const made = await a.json<{ token: string; path: string; invite: { id: number; role: string } }>("POST", "/api/admin/invites", { role: "instructor" });
    expect(made.status).toBe(201);
    expect(made.body.path).toBe(`/signup#invite=${made.body.token}`);
    expect((await a.json<{ invites: { id: number }[] }>("GET", "/api/admin/invites")).body.invites.map((i) => i.id)).toContain(made.body.invite.id);

    const c = new Client(lab.url);
    const joined = await c.json<{ user: { role: string } }>("POST", "/api/auth/signup", { email: unique("invited"), displayName: "I", password: PASSWORD, invite: made.body.token });
    expect(joined.status).toBe(201);
    expect(joined.body.user.role).toBe("instructor");
    const reuse = await new Client(lab.url).json("POST", "/api/auth/signup", { email: unique("again"), displayName: "I", password: PASSWORD, invite: made.body.token });
    expect(reuse.status).toBe(403);
    expect((await a.json<{ invites: { id: number }[] }>("GET", "/api/admin/invites")).body.invites.map((i) => i.id)).not.toContain(made.body.invite.id);

    const bound = await a.json<{ token: string }>("POST", "/api/admin/invites", { role: "candidate", email: "only.this@example.test" });
    expect((await new Client(lab.url).json("POST", "/api/auth/signup", { email: unique("someone"), displayName: "S", password: PASSWORD, invite: bound.body.token })).status).toBe(403);
    const right = await new Client(lab.url).json<{ user: { role: string } }>("POST", "/api/auth/signup", { email: "Only.This@example.test", displayName: "S", password: PASSWORD, invite: bound.body.token });
    expect(right.body.user.role).toBe("candidate");

    const revoked = await a.json<{ token: string; invite: { id: number } }>("POST", "/api/admin/invites", { role: "learner" });
    expect((await a.json("DELETE", `/api/admin/invites/${revoked.body.invite.id}`)).status).toBe(204);
    expect((await a.json("DELETE", `/api/admin/invites/${revoked.body.invite.id}`)).status).toBe(404);
    expect((await new Client(lab.url).json("POST", "/api/auth/signup", { email: unique("late"), displayName: "L", password: PASSWORD, invite: revoked.body.token })).status).toBe(403);
  });

  it("a failed sign-up (email taken) leaves the invite usable", async () => {
    const a = await admin();
    const taken = await signup("taken");
    const made = await a.json<{ token: string }>("POST", "/api/admin/invites", { role: "learner" });
    expect((await new Client(lab.url).json("POST", "/api/auth/signup", { email: taken.email, displayName: "T", password: PASSWORD, invite: made.body.token })).status).toBe(409);
    expect((await new Client(lab.url).json("POST", "/api/auth/signup", { email: unique("fresh"), displayName: "T", password: PASSWORD, invite: made.body.token })).status).toBe(201);
  });
});

describe("bad input", () => {
  it.each([
    ["an oversized body", "/api/auth/login", JSON.stringify({ email: "a@b.test", password: "x".repeat(200_000) }), 413],
    ["a wrong type", "/api/auth/login", JSON.stringify({ email: "a@b.test", password: 12345678901 }), 400],
    ["an array body", "/api/auth/signup", "[]", 400],
    ["a null body", "/api/auth/signup", "null", 400],
    ["an invite of the wrong shape", "/api/auth/signup", JSON.stringify({ email: "a@b.test", displayName: "x", password: PASSWORD, invite: "../../etc" }), 400],
    ["a role in a sign-up", "/api/auth/signup", JSON.stringify({ email: "a@b.test", displayName: "x", password: PASSWORD, role: "admin" }), 400],
  ])("%s is a clear 4xx", async (_name, url, body, status) => {
    const res = await new Client(lab.url).request("POST", url, body);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    expect(db.get("SELECT count(*) AS n FROM users WHERE email = 'a@b.test'")).toEqual({ n: 0 });
  });
});

describe("sign-in throttling", () => {
  it("a stranger hammering an email from another address cannot lock its owner out; the wait is said in seconds", async () => {
    const email = unique("victim");
    expect((await new Client(lab.url).json("POST", "/api/auth/signup", { email, displayName: "V", password: PASSWORD })).status).toBe(201);
    // The lab trusts X-Forwarded-For from loopback (its reverse proxy): this is another client.
    const stranger = { "x-forwarded-for": "192.0.2.7" };
    let refused: Response | undefined;
    for (let i = 0; i < 12; i++) refused = await new Client(lab.url).request("POST", "/api/auth/login", { email, password: `guess-${i}-xxxx` }, stranger);
    expect(refused!.status).toBe(429);
    const seconds = Number(refused!.headers.get("retry-after"));
    expect(seconds).toBeGreaterThan(0);
    expect(((await refused!.json()) as { detail: string }).detail).toBe(`Too many attempts; try again in ${seconds} s.`);
    // The owner, from their own address, still signs in (slowed down, not locked).
    const t0 = Date.now();
    const mine = await new Client(lab.url).json("POST", "/api/auth/login", { email, password: PASSWORD });
    expect(mine.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

});

describe("invite-only labs and limits", () => {
  let closed: TestLab;
  beforeAll(async () => {
    closed = await startTestLab({ SIGNUP: "invite", PUBLIC_URL: "https://lab.example.test" }, { driver: new FakeDriver() });
  });
  afterAll(async () => {
    await closed?.close();
  });
  // PUBLIC_URL is the origin browsers use; these requests come without one, like a script's.

  it("refuses sign-up without an invite and says so in /auth/options", async () => {
    expect((await new Client(closed.url).json("GET", "/api/auth/options")).body).toEqual({ signup: "invite" });
    const r = await new Client(closed.url).json("POST", "/api/auth/signup", { email: unique("open"), displayName: "O", password: PASSWORD });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ type: "/problems/invite-required" });
  });

  it("marks cookies Secure when PUBLIC_URL is https", async () => {
    const token = new URL(closed.firstAdminUrl!).hash.slice(1);
    expect(closed.firstAdminUrl!.startsWith("https://lab.example.test/first-admin#")).toBe(true);
    const res = await new Client(closed.url).request("POST", "/api/auth/first-admin", { token, email: unique("admin"), displayName: "A", password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie().find((h) => h.startsWith("backlab_session="))).toMatch(/;\s*Secure/i);
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
  });

  it("rate-limits sign-in per account and per IP", async () => {
    const email = unique("brute");
    let status = 0;
    for (let i = 0; i < 11; i++) status = (await new Client(closed.url).json("POST", "/api/auth/login", { email, password: `guess-${i}-xxxx` })).status;
    expect(status).toBe(429);
    // Per IP: 100 a minute across accounts (bad bodies count too, and cost no hashing).
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await new Client(closed.url).request("POST", "/api/auth/login", { email: unique("spray"), password: 1 })).status);
    expect(statuses).toContain(429);
    const last = await new Client(closed.url).request("POST", "/api/auth/signup", { email: unique("late"), displayName: "L", password: PASSWORD });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
