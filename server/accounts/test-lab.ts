import crypto from "node:crypto";
import path from "node:path";
import { expect } from "vitest";
import { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

/**
 * Shared by the accounts integration tests (sessions, admin .int.test.ts): a real lab (real
 * app, database, sessions; the sandbox is a double) and the sign-up, sign-in and first-admin
 * steps they build on.
 */

export const PASSWORD = "correct horse battery";

export type AccountsLab = { lab: TestLab; db: Database };

export async function startAccountsLab(): Promise<AccountsLab> {
  // Many sign-ins from one IP here; the per-IP limit is tested on its own lab (admin.int.test.ts).
  const lab = await startTestLab({ AUTH_ATTEMPTS_PER_IP: "1000" }, { driver: new FakeDriver() });
  return { lab, db: new Database(path.join(lab.dataDir, "backlab.db")) };
}

export async function closeAccountsLab(t: AccountsLab | undefined): Promise<void> {
  t?.db.close();
  await t?.lab.close();
}

export const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;

export async function signupOn(lab: TestLab, name = "user"): Promise<Client & { email: string; id: number }> {
  const c = new Client(lab.url) as Client & { email: string; id: number };
  c.email = unique(name);
  const r = await c.json<{ user: { id: number } }>("POST", "/api/auth/signup", {
    email: c.email,
    displayName: name,
    password: PASSWORD,
  });
  expect(r.status).toBe(201);
  c.id = r.body.user.id;
  return c;
}

export async function loginOn(lab: TestLab, email: string, password = PASSWORD): Promise<Client> {
  const c = new Client(lab.url);
  const r = await c.json("POST", "/api/auth/login", { email, password });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return c;
}

/** The admin made from the lab's one-time link; the link works once, so it is made once per lab. */
const admins = new WeakMap<TestLab, Client>();
export async function adminOn(lab: TestLab): Promise<Client> {
  const made = admins.get(lab);
  if (made) return made;
  const token = new URL(lab.firstAdminUrl!).hash.slice(1);
  const c = new Client(lab.url);
  const r = await c.json("POST", "/api/auth/first-admin", {
    token,
    email: unique("admin"),
    displayName: "Admin",
    password: PASSWORD,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  admins.set(lab, c);
  return c;
}
