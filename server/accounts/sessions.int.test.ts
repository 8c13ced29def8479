import crypto from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../db/database.ts";
import { Client, type TestLab } from "../test/lab.ts";
import {
  PASSWORD,
  closeAccountsLab,
  loginOn,
  signupOn,
  startAccountsLab,
  unique,
  type AccountsLab,
} from "./test-lab.ts";

/**
 * Sign-in and sessions on a real lab (real app, database, sessions; the sandbox is a double):
 * password hashes, sign-in answers, cookies, session lifetimes, password changes, CSRF, CORS,
 * throttling, and the bad inputs around them. Every refused request is checked to have changed
 * nothing. The first admin, admin changes and invites are in admin.int.test.ts.
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
const hashOf = (id: number) =>
  db.get<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", [id])!.password_hash;

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
    expect(
      (await new Client(lab.url).json("POST", "/api/auth/login", { email: c.email, password: "not the password" }))
        .status,
    ).toBe(401);
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
    const res = await c.request("POST", "/api/auth/signup", {
      email: unique("cookie"),
      displayName: "C",
      password: PASSWORD,
    });
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
    db.run("UPDATE sessions SET last_seen_at = ? WHERE user_id = ?", [
      new Date(Date.now() - 25 * 3_600_000).toISOString(),
      idle.id,
    ]);
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
    const wrong = await a.json("POST", "/api/auth/password", {
      currentPassword: "not my password",
      newPassword: "a new long password",
    });
    expect(wrong.status).toBe(403);
    expect((await other.json("GET", "/api/auth/me")).status).toBe(200);
    await login(a.email);

    const before = a.cookie;
    const ok = await a.json<{ endedSessions: number }>("POST", "/api/auth/password", {
      currentPassword: PASSWORD,
      newPassword: "a new long password",
    });
    expect(ok.status).toBe(200);
    expect(ok.body.endedSessions).toBe(2);
    expect(a.cookie).not.toBe(before);
    expect((await a.json("GET", "/api/auth/me")).status).toBe(200);
    expect((await other.json("GET", "/api/auth/me")).status).toBe(401);
    expect(
      (await new Client(lab.url).json("POST", "/api/auth/login", { email: a.email, password: PASSWORD })).status,
    ).toBe(401);
    await login(a.email, "a new long password");
  });

  it("refuses a too-short new password and leaves the old one", async () => {
    const a = await signup("short");
    const r = await a.json<{ detail: string }>("POST", "/api/auth/password", {
      currentPassword: PASSWORD,
      newPassword: "short",
    });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/new password/);
    await login(a.email);
  });
});

describe("CSRF", () => {
  it("refuses a write with a missing, forged or another session's token; nothing changes", async () => {
    const a = await signup("csrf");
    const b = await signup("csrf-other");
    const change = { currentPassword: PASSWORD, newPassword: "changed by an attacker" };
    const tries: Record<string, string | undefined> = {
      missing: undefined,
      forged: crypto.randomBytes(32).toString("base64url"),
      "another session's": b.csrf,
      empty: "",
    };
    for (const [name, token] of Object.entries(tries)) {
      const res = await fetch(`${lab.url}/api/auth/password`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          cookie: a.cookie,
          ...(token !== undefined ? { "x-csrf-token": token } : {}),
        },
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
    const pre = await fetch(`${lab.url}/api/auth/login`, {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(pre.status).toBe(403);
    expect(pre.headers.get("content-type")).toMatch(/problem\+json/);
    const a = await signup("cors");
    const responses = [
      pre,
      await fetch(`${lab.url}/api/health`, { headers: { origin: "https://evil.example" } }),
      await fetch(`${lab.url}/api/auth/me`, { headers: { origin: "https://evil.example", cookie: a.cookie } }),
      await fetch(`${lab.url}/api/auth/login`, {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "application/json" },
        body: "{}",
      }),
      await fetch(`${lab.url}/`, { method: "OPTIONS" }),
    ];
    for (const res of responses) for (const [name] of res.headers) expect(name).not.toMatch(/^access-control-/);
    expect(responses[3]!.status).toBe(403);
  });
});

describe("bad input", () => {
  it.each([
    ["an oversized body", "/api/auth/login", JSON.stringify({ email: "a@b.test", password: "x".repeat(200_000) }), 413],
    ["a wrong type", "/api/auth/login", JSON.stringify({ email: "a@b.test", password: 12345678901 }), 400],
    ["an array body", "/api/auth/signup", "[]", 400],
    ["a null body", "/api/auth/signup", "null", 400],
    [
      "an invite of the wrong shape",
      "/api/auth/signup",
      JSON.stringify({ email: "a@b.test", displayName: "x", password: PASSWORD, invite: "../../etc" }),
      400,
    ],
    [
      "a role in a sign-up",
      "/api/auth/signup",
      JSON.stringify({ email: "a@b.test", displayName: "x", password: PASSWORD, role: "admin" }),
      400,
    ],
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
    expect(
      (await new Client(lab.url).json("POST", "/api/auth/signup", { email, displayName: "V", password: PASSWORD }))
        .status,
    ).toBe(201);
    // The lab trusts X-Forwarded-For from loopback (its reverse proxy): this is another client.
    const stranger = { "x-forwarded-for": "192.0.2.7" };
    let refused: Response | undefined;
    for (let i = 0; i < 12; i++)
      refused = await new Client(lab.url).request(
        "POST",
        "/api/auth/login",
        { email, password: `guess-${i}-xxxx` },
        stranger,
      );
    expect(refused!.status).toBe(429);
    const seconds = Number(refused!.headers.get("retry-after"));
    expect(seconds).toBeGreaterThan(0);
    expect(((await refused!.json()) as { detail: string }).detail).toBe(
      `Too many attempts; try again in ${seconds} s.`,
    );
    // The owner, from their own address, still signs in (slowed down, not locked).
    const t0 = Date.now();
    const mine = await new Client(lab.url).json("POST", "/api/auth/login", { email, password: PASSWORD });
    expect(mine.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
