import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Database } from "../db/database.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

/** Personal API tokens on a real lab: made with a session, used as Bearer, revoked, expired. */

let lab: TestLab;
let db: Database;
let learner: Client;
let admin: Client;

type Made = { token: { id: number; prefix: string; scopes: string[]; lastUsedAt: string | null }; secret: string };

const bearer = (secret: string, url: string, init: RequestInit = {}) =>
  fetch(lab.url + url, { ...init, headers: { authorization: `Bearer ${secret}`, ...init.headers } });

beforeAll(async () => {
  lab = await startTestLab({}, { driver: new FakeDriver() });
  db = new Database(path.join(lab.dataDir, "backlab.db"));
  learner = await Client.signup(lab.url, "tokenlearner");
  admin = await Client.signup(lab.url, "tokenadmin");
  const adminId = (await admin.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;
  db.run("UPDATE users SET role = 'admin' WHERE id = ?", [adminId]);
}, 60_000);

afterAll(async () => {
  db?.close();
  await lab?.close();
});

describe("API tokens", () => {
  it("is shown once, stored hashed, and reads what its scope allows as its owner", async () => {
    const made = await learner.json<Made>("POST", "/api/tokens", { name: "LMS", scopes: ["progress:read"], days: 7 });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^blt_[A-Za-z0-9_-]{43}$/);
    // Nowhere on disk in clear: not in the database, not in the list.
    const file = fs.readFileSync(path.join(lab.dataDir, "backlab.db"));
    expect(file.includes(Buffer.from(made.body.secret))).toBe(false);
    const listed = await learner.json<{ tokens: Record<string, unknown>[] }>("GET", "/api/tokens");
    expect(JSON.stringify(listed.body)).not.toContain(made.body.secret);
    expect(listed.body.tokens[0]).toMatchObject({ name: "LMS", scopes: ["progress:read"], lastUsedAt: null });

    const progress = await bearer(made.body.secret, "/api/progress");
    expect(progress.status).toBe(200);
    const after = await learner.json<{ tokens: { lastUsedAt: string | null }[] }>("GET", "/api/tokens");
    expect(after.body.tokens[0]!.lastUsedAt).not.toBeNull();

    // Without the scope: 403 saying which one; a route for sessions only: refused too.
    const results = await bearer(made.body.secret, "/api/exercises");
    expect(results.status).toBe(403);
    expect(results.headers.get("www-authenticate")).toContain('scope="exercises:read"');
    for (const [method, url] of [
      ["GET", "/api/auth/me"],
      ["GET", "/api/tokens"],
      ["POST", "/api/tokens"],
      ["POST", "/api/auth/logout-everywhere"],
    ] as const) {
      const r = await bearer(made.body.secret, url, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify({ name: "x", scopes: ["progress:read"] }) : undefined,
      });
      expect([method, url, r.status]).toEqual([method, url, 403]);
      expect(((await r.json()) as { type: string }).type).toBe("/problems/token-not-accepted");
    }
  });

  it("is refused at once after revocation, and when expired", async () => {
    const made = (await learner.json<Made>("POST", "/api/tokens", { name: "CI", scopes: ["results:read"] })).body;
    expect((await bearer(made.secret, "/api/submissions/999999")).status).toBe(404);
    const revoked = await learner.json<{ token: { revokedAt: string | null } }>(
      "DELETE",
      `/api/tokens/${made.token.id}`,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.token.revokedAt).not.toBeNull();
    const after = await bearer(made.secret, "/api/submissions/999999");
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');

    const old = (await learner.json<Made>("POST", "/api/tokens", { name: "old", scopes: ["progress:read"] })).body;
    expect((await bearer(old.secret, "/api/progress")).status).toBe(200);
    db.run("UPDATE api_tokens SET expires_at = ? WHERE id = ?", [
      new Date(Date.now() - 1000).toISOString(),
      old.token.id,
    ]);
    expect((await bearer(old.secret, "/api/progress")).status).toBe(401);
  });

  it("gives only scopes the role may hold, lets an admin revoke anyone's, and is audited", async () => {
    const refused = await learner.json<{ detail: string }>("POST", "/api/tokens", {
      name: "x",
      scopes: ["audit:read"],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/audit:read/);
    expect((await learner.json("POST", "/api/tokens", { name: "x", scopes: ["nope:read"] })).status).toBe(400);

    const theirs = (await learner.json<Made>("POST", "/api/tokens", { name: "mine", scopes: ["progress:read"] })).body;
    expect((await admin.json("DELETE", `/api/tokens/${theirs.token.id}`)).status).toBe(200);
    expect((await bearer(theirs.secret, "/api/progress")).status).toBe(401);

    const auditor = (await admin.json<Made>("POST", "/api/tokens", { name: "SIEM", scopes: ["audit:read"] })).body;
    const log = await bearer(auditor.secret, "/api/admin/audit?action=token");
    expect(log.status).toBe(200);
    const actions = ((await log.json()) as { entries: { action: string }[] }).entries.map((e) => e.action);
    expect(new Set(actions)).toEqual(new Set(["token.create", "token.use", "token.revoke"]));
  });

  it("stops working when its owner is disabled or loses the role its scope needs", async () => {
    const made = (await admin.json<Made>("POST", "/api/tokens", { name: "users", scopes: ["users:read"] })).body;
    expect((await bearer(made.secret, "/api/admin/users")).status).toBe(200);
    const ownerId = (await admin.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;
    db.run("UPDATE users SET role = 'instructor' WHERE id = ?", [ownerId]);
    expect((await bearer(made.secret, "/api/admin/users")).status).toBe(403);
    db.run("UPDATE users SET role = 'admin', disabled_at = ? WHERE id = ?", [new Date().toISOString(), ownerId]);
    expect((await bearer(made.secret, "/api/admin/users")).status).toBe(401);
    db.run("UPDATE users SET disabled_at = NULL WHERE id = ?", [ownerId]);
  });

  it("exports the filtered audit log as CSV, itself audited (session or an audit:read token)", async () => {
    const res = await admin.request("GET", "/api/admin/audit/export?format=csv&action=token");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = (await res.text()).trim().split("\r\n");
    expect(rows[0]).toBe("id,at,actor_id,actor_email,action,target_kind,target_id,ip,details");
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.slice(1).every((r) => /,token\.(create|use|revoke),/.test(r))).toBe(true);
    expect(rows.some((r) => r.includes("@example.test"))).toBe(true);
    const exports = await admin.json<{ entries: { details: { rows: number } }[] }>(
      "GET",
      "/api/admin/audit?action=audit.export",
    );
    expect(exports.body.entries[0]!.details.rows).toBe(rows.length - 1);
    expect((await learner.request("GET", "/api/admin/audit/export?format=csv")).status).toBe(403);
    const t = (await admin.json<Made>("POST", "/api/tokens", { name: "SIEM export", scopes: ["audit:read"] })).body;
    expect((await bearer(t.secret, "/api/admin/audit/export?format=csv")).status).toBe(200);
  });
});
