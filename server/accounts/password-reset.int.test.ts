import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../test/lab.ts";
import {
  adminOn,
  closeAccountsLab,
  loginOn,
  PASSWORD,
  signupOn,
  startAccountsLab,
  type AccountsLab,
} from "./test-lab.ts";

let t: AccountsLab;
beforeAll(async () => {
  t = await startAccountsLab();
});
afterAll(() => closeAccountsLab(t));

const tokenOf = (path: string) => new URLSearchParams(new URL(path, "http://x").hash.slice(1)).get("token")!;

describe("an admin's one-time password reset link", () => {
  it("sets a new password once, ends the user's sessions, and is audited", async () => {
    const admin = await adminOn(t.lab);
    const user = await signupOn(t.lab, "forgetful");
    const made = await admin.json<{ reset: { userId: number; expiresAt: string }; path: string; url: null }>(
      "POST",
      `/api/admin/users/${user.id}/password-reset`,
      {},
    );
    expect(made.status).toBe(201);
    expect(made.body.reset.userId).toBe(user.id);
    expect(made.body.path).toMatch(/^\/reset-password#token=[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(made.body.reset.expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    // Only the hash is kept.
    const token = tokenOf(made.body.path);
    expect(t.db.get("SELECT 1 FROM password_resets WHERE token_hash = ?", [token])).toBeUndefined();

    const anon = new Client(t.lab.url);
    const used = await anon.json("POST", "/api/auth/password-reset", { token, password: "a brand new password" });
    expect(used).toMatchObject({ status: 200, body: { email: user.email } });
    // The old session is gone, the old password too; the new one works.
    expect((await user.json("GET", "/api/auth/me")).status).toBe(401);
    expect(
      (await new Client(t.lab.url).json("POST", "/api/auth/login", { email: user.email, password: PASSWORD })).status,
    ).toBe(401);
    await loginOn(t.lab, user.email, "a brand new password");
    // Once only.
    const again = await anon.json<{ detail: string }>("POST", "/api/auth/password-reset", {
      token,
      password: "yet another password",
    });
    expect(again.status).toBe(403);
    expect(again.body.detail).toMatch(/invalid, used or expired; ask an admin/);

    const audit = await admin.json<{ entries: { action: string; actorId: number | null; target: { id: string } }[] }>(
      "GET",
      "/api/admin/audit?action=user.password-reset",
    );
    expect(audit.body.entries.map((e) => [e.action, e.actorId, String(e.target.id)])).toEqual(
      expect.arrayContaining([
        ["user.password-reset.create", expect.any(Number), String(user.id)],
        ["user.password-reset.use", user.id, String(user.id)],
      ]),
    );
  });

  it("refuses an expired link, a replaced link, a short password and anyone but an admin", async () => {
    const admin = await adminOn(t.lab);
    const user = await signupOn(t.lab, "locked-out");
    const first = await admin.json<{ path: string }>("POST", `/api/admin/users/${user.id}/password-reset`, {});
    const second = await admin.json<{ path: string }>("POST", `/api/admin/users/${user.id}/password-reset`, {});
    const anon = new Client(t.lab.url);
    // A newer link replaces the older one.
    expect(
      (
        await anon.json("POST", "/api/auth/password-reset", {
          token: tokenOf(first.body.path),
          password: "long enough pw",
        })
      ).status,
    ).toBe(403);
    const short = await anon.json<{ status: number }>("POST", "/api/auth/password-reset", {
      token: tokenOf(second.body.path),
      password: "short",
    });
    expect(short.status).toBe(400);
    expect(short.res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    t.db.run("UPDATE password_resets SET expires_at = ? WHERE user_id = ?", [new Date(0).toISOString(), user.id]);
    expect(
      (
        await anon.json("POST", "/api/auth/password-reset", {
          token: tokenOf(second.body.path),
          password: "long enough pw",
        })
      ).status,
    ).toBe(403);
    // A learner cannot make links; an unknown user is a 404.
    expect((await user.json("POST", `/api/admin/users/${user.id}/password-reset`, {})).status).toBe(403);
    expect((await admin.json("POST", "/api/admin/users/999999/password-reset", {})).status).toBe(404);
  });
});
