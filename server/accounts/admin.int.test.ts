import crypto from "node:crypto";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import { Accounts } from "./service.ts";
import {
  PASSWORD,
  adminOn,
  closeAccountsLab,
  loginOn,
  signupOn,
  startAccountsLab,
  unique,
  type AccountsLab,
} from "./test-lab.ts";

/**
 * The first admin, admin changes and invites on a real lab (real app, database, sessions; the
 * sandbox is a double), then an invite-only lab and its sign-in limits. Every refused request
 * is checked to have changed nothing. Sign-in and sessions are in sessions.int.test.ts.
 */

let t: AccountsLab | undefined;
let lab: TestLab;
let db: Database;

beforeAll(async () => {
  t = await startAccountsLab();
  ({ lab, db } = t);
});
afterAll(async () => {
  await closeAccountsLab(t);
});

const signup = (name?: string) => signupOn(lab, name);
const login = (email: string, password?: string) => loginOn(lab, email, password);
const admin = () => adminOn(lab);

describe("the first admin", () => {
  it("comes from a one-time link printed at start; the link works once", async () => {
    expect(lab.firstAdminUrl).toMatch(/\/first-admin#[A-Za-z0-9_-]{43}$/);
    const token = new URL(lab.firstAdminUrl!).hash.slice(1);
    const c = await admin();
    expect((await c.json("GET", "/api/auth/me")).body).toMatchObject({ user: { role: "admin" } });
    const again = await new Client(lab.url).json("POST", "/api/auth/first-admin", {
      token,
      email: unique("second"),
      displayName: "X",
      password: PASSWORD,
    });
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
    expect(
      (
        await new Client(lab.url).json(
          "POST",
          "/api/auth/first-admin",
          body(crypto.randomBytes(32).toString("base64url")),
        )
      ).status,
    ).toBe(403);
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
    type Entries = {
      entries: {
        action: string;
        actorId: number;
        target: { kind: string; id: string };
        details: Record<string, unknown>;
      }[];
    };
    const me = (await a.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;
    const roleChange = (await a.json<Entries>("GET", `/api/admin/audit?action=user.update&targetId=${u.id}`)).body
      .entries;
    expect(roleChange).toHaveLength(1);
    expect(roleChange[0]).toMatchObject({
      actorId: me,
      target: { kind: "user", id: String(u.id) },
      details: { from: { role: "learner" }, change: { role: "instructor" } },
    });
    const invites = (await a.json<Entries>("GET", `/api/admin/audit?action=invite&targetId=${inv.body.invite.id}`)).body
      .entries;
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
    const denied = await new Client(lab.url).json<{ detail: string }>("POST", "/api/auth/login", {
      email: u.email,
      password: PASSWORD,
    });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toMatch(/disabled/);
    // A wrong password on a disabled account says no more than on any account.
    expect(
      (await new Client(lab.url).json("POST", "/api/auth/login", { email: u.email, password: "wrong password!" }))
        .status,
    ).toBe(401);
    expect((await a.json("PATCH", `/api/admin/users/${u.id}`, { disabled: false })).status).toBe(200);
    await login(u.email);
  });

  it("closes the live terminal of a user signed out everywhere or disabled", async () => {
    const a = await admin();
    const u = await signup("terminal");
    const attach = async () => {
      const ws = await u.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {});
      const socket = new WebSocket(`${lab.url.replace("http", "ws")}/api/workspaces/${ws.body.workspace.id}/terminal`, {
        headers: { origin: lab.url, cookie: u.cookie },
      });
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
  it("say what they are for before they are used: role and bound email; a used one says so", async () => {
    const a = await admin();
    const made = await a.json<{ token: string }>("POST", "/api/admin/invites", {
      role: "instructor",
      email: "bound.reader@example.test",
    });
    const anon = new Client(lab.url);
    const seen = await anon.json<{ invite: { role: string; email: string | null } }>("POST", "/api/auth/invite", {
      token: made.body.token,
    });
    expect(seen.status).toBe(200);
    expect(seen.body.invite).toMatchObject({ role: "instructor", email: "bound.reader@example.test" });
    // Looking does not use it up.
    const joined = await anon.json("POST", "/api/auth/signup", {
      email: "bound.reader@example.test",
      displayName: "B",
      password: PASSWORD,
      invite: made.body.token,
    });
    expect(joined.status).toBe(201);
    const used = await new Client(lab.url).json<{ detail: string }>("POST", "/api/auth/invite", {
      token: made.body.token,
    });
    expect(used.status).toBe(404);
    expect(used.body.detail).toMatch(/invalid, used or expired; ask an admin/);
    const bad = await new Client(lab.url).json<{ detail: string }>("POST", "/api/auth/invite", { token: "x" });
    expect(bad.status).toBe(400);
  });

  it("give their role, work once, and can be bound to an email or revoked", async () => {
    const a = await admin();
    const made = await a.json<{ token: string; path: string; invite: { id: number; role: string } }>(
      "POST",
      "/api/admin/invites",
      { role: "instructor" },
    );
    expect(made.status).toBe(201);
    expect(made.body.path).toBe(`/signup#invite=${made.body.token}`);
    expect(
      (await a.json<{ invites: { id: number }[] }>("GET", "/api/admin/invites")).body.invites.map((i) => i.id),
    ).toContain(made.body.invite.id);

    const c = new Client(lab.url);
    const joined = await c.json<{ user: { role: string } }>("POST", "/api/auth/signup", {
      email: unique("invited"),
      displayName: "I",
      password: PASSWORD,
      invite: made.body.token,
    });
    expect(joined.status).toBe(201);
    expect(joined.body.user.role).toBe("instructor");
    const reuse = await new Client(lab.url).json("POST", "/api/auth/signup", {
      email: unique("again"),
      displayName: "I",
      password: PASSWORD,
      invite: made.body.token,
    });
    expect(reuse.status).toBe(403);
    expect(
      (await a.json<{ invites: { id: number }[] }>("GET", "/api/admin/invites")).body.invites.map((i) => i.id),
    ).not.toContain(made.body.invite.id);

    const bound = await a.json<{ token: string }>("POST", "/api/admin/invites", {
      role: "candidate",
      email: "only.this@example.test",
    });
    expect(
      (
        await new Client(lab.url).json("POST", "/api/auth/signup", {
          email: unique("someone"),
          displayName: "S",
          password: PASSWORD,
          invite: bound.body.token,
        })
      ).status,
    ).toBe(403);
    const right = await new Client(lab.url).json<{ user: { role: string } }>("POST", "/api/auth/signup", {
      email: "Only.This@example.test",
      displayName: "S",
      password: PASSWORD,
      invite: bound.body.token,
    });
    expect(right.body.user.role).toBe("candidate");

    const revoked = await a.json<{ token: string; invite: { id: number } }>("POST", "/api/admin/invites", {
      role: "learner",
    });
    expect((await a.json("DELETE", `/api/admin/invites/${revoked.body.invite.id}`)).status).toBe(204);
    expect((await a.json("DELETE", `/api/admin/invites/${revoked.body.invite.id}`)).status).toBe(404);
    expect(
      (
        await new Client(lab.url).json("POST", "/api/auth/signup", {
          email: unique("late"),
          displayName: "L",
          password: PASSWORD,
          invite: revoked.body.token,
        })
      ).status,
    ).toBe(403);
  });

  it("a failed sign-up (email taken) leaves the invite usable", async () => {
    const a = await admin();
    const taken = await signup("taken");
    const made = await a.json<{ token: string }>("POST", "/api/admin/invites", { role: "learner" });
    expect(
      (
        await new Client(lab.url).json("POST", "/api/auth/signup", {
          email: taken.email,
          displayName: "T",
          password: PASSWORD,
          invite: made.body.token,
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await new Client(lab.url).json("POST", "/api/auth/signup", {
          email: unique("fresh"),
          displayName: "T",
          password: PASSWORD,
          invite: made.body.token,
        })
      ).status,
    ).toBe(201);
  });
});

describe("invite-only labs and limits", () => {
  let closed: TestLab;
  beforeAll(async () => {
    closed = await startTestLab(
      { SIGNUP: "invite", PUBLIC_URL: "https://lab.example.test" },
      { driver: new FakeDriver() },
    );
  });
  afterAll(async () => {
    await closed?.close();
  });
  // PUBLIC_URL is the origin browsers use; these requests come without one, like a script's.

  it("refuses sign-up without an invite and says so in /auth/options", async () => {
    expect((await new Client(closed.url).json("GET", "/api/auth/options")).body).toEqual({
      signup: "invite",
      sso: null,
      passwords: true,
    });
    const r = await new Client(closed.url).json("POST", "/api/auth/signup", {
      email: unique("open"),
      displayName: "O",
      password: PASSWORD,
    });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ type: "/problems/invite-required" });
  });

  it("marks cookies Secure when PUBLIC_URL is https", async () => {
    const token = new URL(closed.firstAdminUrl!).hash.slice(1);
    expect(closed.firstAdminUrl!.startsWith("https://lab.example.test/first-admin#")).toBe(true);
    const res = await new Client(closed.url).request("POST", "/api/auth/first-admin", {
      token,
      email: unique("admin"),
      displayName: "A",
      password: PASSWORD,
    });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie().find((h) => h.startsWith("backlab_session="))).toMatch(/;\s*Secure/i);
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
  });

  it("rate-limits sign-in per account and per IP", async () => {
    const email = unique("brute");
    let status = 0;
    for (let i = 0; i < 11; i++)
      status = (await new Client(closed.url).json("POST", "/api/auth/login", { email, password: `guess-${i}-xxxx` }))
        .status;
    expect(status).toBe(429);
    // Per IP: 100 a minute across accounts (bad bodies count too, and cost no hashing).
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++)
      statuses.push(
        (await new Client(closed.url).request("POST", "/api/auth/login", { email: unique("spray"), password: 1 }))
          .status,
      );
    expect(statuses).toContain(429);
    const last = await new Client(closed.url).request("POST", "/api/auth/signup", {
      email: unique("late"),
      displayName: "L",
      password: PASSWORD,
    });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
