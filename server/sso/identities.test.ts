import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { linkOrCreate } from "./identities.ts";
import { roleFor } from "./service.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-sso-"));
const db = openDatabase(dir);
afterAll(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const local = (email: string, role = "learner", disabled = false) =>
  Number(
    db.run(
      "INSERT INTO users (email, display_name, password_hash, role, created_at, disabled_at) VALUES (?, 'L', '!', ?, ?, ?)",
      [email, role, new Date().toISOString(), disabled ? new Date().toISOString() : null],
    ).lastInsertRowid,
  );
const props = (subject: string, email: string, linkByEmail: boolean) => ({
  issuer: "https://idp.example.test",
  subject,
  email,
  displayName: "P",
  role: "learner" as const,
  linkUserId: null,
  linkByEmail,
  providerName: "IdP",
});

describe("identities", () => {
  it("links by verified email only when the admin turned it on, and never a candidate", () => {
    const id = local("same@example.test");
    expect(() => linkOrCreate(db, props("s1", "same@example.test", false))).toThrow(/already exists/);
    const r = linkOrCreate(db, props("s1", "same@example.test", true));
    expect(r).toMatchObject({ linked: true, created: false, user: { id } });
    // Known from now on by its subject, whatever the email says later.
    expect(linkOrCreate(db, props("s1", "renamed@example.test", false)).user.id).toBe(id);
    local("cand@example.test", "candidate");
    expect(() => linkOrCreate(db, props("s2", "cand@example.test", true))).toThrow(/already exists/);
  });

  it("refuses a disabled account and creates a new one with no password", () => {
    local("off@example.test", "learner", true);
    expect(() => linkOrCreate(db, props("s3", "off@example.test", true))).toThrow(/disabled/);
    const made = linkOrCreate(db, props("s4", "new@example.test", false));
    expect(made.created).toBe(true);
    expect(db.get<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", [made.user.id])).toEqual({
      password_hash: "!",
    });
  });

  it("maps groups to the highest role, learner when none maps, nothing when the lab maps none", () => {
    const map = { admins: "admin", teachers: "instructor" } as const;
    expect(roleFor(["teachers", "admins"], map)).toBe("admin");
    expect(roleFor("teachers", map)).toBe("instructor");
    expect(roleFor(["staff"], map)).toBe("learner");
    expect(roleFor(undefined, map)).toBe("learner");
    expect(roleFor(["admins"], {})).toBeUndefined();
  });

  it("reads the SSO settings and refuses unsafe ones", () => {
    const base = { OIDC_ISSUER: "https://idp.example.test", OIDC_CLIENT_ID: "lab", OIDC_CLIENT_SECRET: "s" };
    expect(loadConfig({ ...base, OIDC_ROLE_MAP: '{"a":"admin"}', OIDC_REQUIRED_CLAIM: "dept=eng" }).sso).toMatchObject({
      roleMap: { a: "admin" },
      requiredClaim: { name: "dept", value: "eng" },
      linkByEmail: false,
    });
    expect(loadConfig({}).sso).toBeUndefined();
    expect(() => loadConfig({ ...base, OIDC_ISSUER: "http://idp.example.test" })).toThrow(/https/);
    expect(loadConfig({ ...base, OIDC_ISSUER: "http://127.0.0.1:9999" }).sso?.issuer).toBe("http://127.0.0.1:9999");
    expect(() => loadConfig({ OIDC_ISSUER: "https://idp.example.test" })).toThrow(/CLIENT_ID/);
    expect(() => loadConfig({ ...base, OIDC_ROLE_MAP: '{"a":"candidate"}' })).toThrow(/OIDC_ROLE_MAP/);
    expect(() => loadConfig({ ...base, OIDC_SCOPES: "email" })).toThrow(/openid/);
  });
});
