import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { CookieJar, signInThroughIdp } from "../test/browser.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import { IDP_CLIENT, startTestIdp, type TestIdp } from "../test/oidc-provider.ts";

/**
 * Single sign-on against a real OpenID provider (panva's oidc-provider on loopback), the
 * whole code flow driven over HTTP with cookies: the lab's start, the provider's sign-in,
 * the callback. Each refusal is a tampered or unfit step of a real flow.
 */

let idp: TestIdp;
let lab: TestLab;

const me = async (jar: CookieJar) => {
  const res = await jar.fetch(`${lab.url}/api/auth/me`);
  return { status: res.status, body: (await res.json()) as { user: { id: number; email: string; role: string } } };
};

const audit = async (action: string) => {
  const admin = await Client.signup(lab.url, "auditor");
  const id = (await admin.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;
  const { Database } = await import("../db/database.ts");
  const db = new Database(`${lab.dataDir}/backlab.db`);
  db.run("UPDATE users SET role = 'admin' WHERE id = ?", [id]);
  db.close();
  return (
    await admin.json<{ entries: { action: string; details: Record<string, unknown> }[] }>(
      "GET",
      `/api/admin/audit?action=${action}`,
    )
  ).body.entries;
};

beforeAll(async () => {
  idp = await startTestIdp();
  lab = await startTestLab(
    {
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: IDP_CLIENT.id,
      OIDC_CLIENT_SECRET: IDP_CLIENT.secret,
      OIDC_NAME: "Test IdP",
      OIDC_SCOPES: "openid email profile groups lab",
      OIDC_ALLOWED_DOMAINS: "example.test",
      OIDC_ROLE_MAP: JSON.stringify({ "lab-admins": "admin", teachers: "instructor" }),
      OIDC_REQUIRED_CLAIM: "lab_access",
    },
    { driver: new FakeDriver() },
  );
  idp.allow(`${lab.url}/api/auth/sso/callback`);
  const base = { email_verified: true, lab_access: true };
  idp.accounts.set("ada", { ...base, email: "ada@example.test", name: "Ada", groups: ["teachers"] });
  idp.accounts.set("unverified", { ...base, email: "unverified@example.test", email_verified: false });
  idp.accounts.set("outsider", { ...base, email: "out@elsewhere.test" });
  idp.accounts.set("no-access", { email: "no-access@example.test", email_verified: true });
  idp.accounts.set("local", { ...base, email: "local@example.test", name: "Local" });
}, 60_000);

afterAll(async () => {
  await lab?.close();
  await idp?.close();
});

describe("single sign-on", () => {
  it("offers the provider on the sign-in page's options", async () => {
    const r = await new Client(lab.url).json("GET", "/api/auth/options");
    expect(r.body).toMatchObject({ sso: { name: "Test IdP" }, passwords: true });
  });

  it("signs a new person in: account made from the claims, role from a group, back to the page asked for", async () => {
    const { landed, jar } = await signInThroughIdp(lab.url, idp, "ada", { next: "/progress" });
    expect(landed.pathname + landed.search).toBe("/progress");
    const m = await me(jar);
    expect(m.status).toBe(200);
    expect(m.body.user).toMatchObject({ email: "ada@example.test", displayName: "Ada", role: "instructor" });
    // The attempt's cookie is gone and cannot be used again.
    expect(jar.get(lab.url, "backlab_sso")).toBeUndefined();
  });

  it("makes roles follow the groups at every sign-in, audited", async () => {
    idp.accounts.set("ada", { ...idp.accounts.get("ada")!, groups: ["lab-admins", "teachers"] });
    expect((await me((await signInThroughIdp(lab.url, idp, "ada")).jar)).body.user.role).toBe("admin");
    idp.accounts.set("ada", { ...idp.accounts.get("ada")!, groups: [] });
    const again = await me((await signInThroughIdp(lab.url, idp, "ada")).jar);
    expect(again.body.user.role).toBe("learner");
    const changes = await audit("user.role");
    expect(changes.map((e) => [e.details.from, e.details.to])).toEqual([
      ["admin", "learner"],
      ["instructor", "admin"],
    ]);
    expect((await audit("auth.sso.login")).length).toBeGreaterThanOrEqual(3);
  });

  it("signing out ends the lab session and sends the browser to the provider's end-session endpoint", async () => {
    const { jar } = await signInThroughIdp(lab.url, idp, "ada");
    const csrf = ((await (await jar.fetch(`${lab.url}/api/auth/me`)).json()) as { csrfToken: string }).csrfToken;
    const out = await jar.fetch(`${lab.url}/api/auth/sso/logout`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
    });
    expect(out.status).toBe(200);
    const url = new URL(((await out.json()) as { endSessionUrl: string }).endSessionUrl);
    expect(url.href.startsWith(idp.issuer)).toBe(true);
    expect(url.searchParams.get("post_logout_redirect_uri")).toBe(`${lab.url}/login`);
    expect(url.searchParams.get("id_token_hint")).toMatch(/^ey/);
    expect((await me(jar)).status).toBe(401);
    // The provider accepts the hint (it asks the person to confirm signing out there).
    const confirm = await jar.fetch(url);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toMatch(/logout/i);
  });

  it("refuses a callback whose state was changed", async () => {
    const { landed } = await signInThroughIdp(lab.url, idp, "ada", {
      tamperCallback: (u) => u.searchParams.set("state", "not-the-state"),
    });
    expect(landed.pathname + landed.search).toBe("/login?sso=state");
  });

  it("refuses an ID token issued for another nonce", async () => {
    const { landed, jar } = await signInThroughIdp(lab.url, idp, "ada", {
      tamperAuthorization: (u) => u.searchParams.set("nonce", "a-nonce-the-lab-never-made"),
    });
    expect(landed.pathname + landed.search).toBe("/login?sso=nonce");
    expect((await me(jar)).status).toBe(401);
  });

  it("refuses when the PKCE challenge was swapped (the provider will not redeem the code)", async () => {
    const { landed } = await signInThroughIdp(lab.url, idp, "ada", {
      tamperAuthorization: (u) => u.searchParams.set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    });
    expect(landed.pathname + landed.search).toBe("/login?sso=provider");
  });

  it("refuses a replayed callback (the attempt is used up; the code too)", async () => {
    const first = await signInThroughIdp(lab.url, idp, "ada");
    expect(first.landed.pathname).toBe("/");
    // The same callback URL again, from a browser that has started a sign-in of its own.
    const jar = new CookieJar();
    await jar.fetch(`${lab.url}/api/auth/sso/start`);
    const replay = await jar.fetch(first.callback);
    expect(replay.headers.get("location")).toMatch(/^\/login\?sso=(state|provider)$/);
    // And with no attempt at all (the first browser's cookie was used up).
    const bare = await new CookieJar().fetch(first.callback);
    expect(bare.headers.get("location")).toBe("/login?sso=expired");
  });

  it("refuses an unverified email, a domain not allowed, and a missing required claim", async () => {
    for (const [login, code] of [
      ["unverified", "unverified-email"],
      ["outsider", "domain"],
      ["no-access", "required-claim"],
    ] as const) {
      const { landed, jar } = await signInThroughIdp(lab.url, idp, login);
      expect(landed.pathname + landed.search, login).toBe(`/login?sso=${code}`);
      expect((await me(jar)).status).toBe(401);
    }
    const refused = await audit("auth.sso.refused");
    expect(refused.map((e) => e.details.reason)).toEqual(
      expect.arrayContaining(["unverified-email", "domain", "required-claim", "state", "nonce"]),
    );
  });

  it("links an existing local account only when its owner, signed in, asks", async () => {
    const owner = new Client(lab.url);
    const signup = await owner.json<{ user: { id: number } }>("POST", "/api/auth/signup", {
      email: "local@example.test",
      displayName: "Local",
      password: "correct horse battery",
    });
    expect(signup.status).toBe(201);
    // The same email at the provider does not take the account over.
    expect((await signInThroughIdp(lab.url, idp, "local")).landed.search).toBe("?sso=link-required");
    // Signed in with the password, the owner links it.
    const link = await owner.json<{ url: string }>("POST", "/api/auth/sso/link", {});
    expect(link.status).toBe(200);
    const jar = new CookieJar();
    const ssoCookie = link.res.headers.getSetCookie().find((c) => c.startsWith("backlab_sso="))!;
    // The owner's browser keeps the attempt's cookie the link answer set.
    jar.set(lab.url, "backlab_sso", ssoCookie.split(";")[0]!.split("=")[1]!);
    const linked = await signInThroughIdp(lab.url, idp, "local", { jar, start: new URL(link.body.url) });
    expect(linked.landed.pathname).toBe("/account");
    // From now on the provider signs in to that very account.
    const later = await me((await signInThroughIdp(lab.url, idp, "local")).jar);
    expect(later.body.user.id).toBe(signup.body.user.id);
    expect((await audit("auth.sso.link")).length).toBe(1);
  });

  it("with LOCAL_PASSWORDS=false, only admins still sign in with a password", async () => {
    const closed = await startTestLab(
      {
        LOCAL_PASSWORDS: "false",
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: IDP_CLIENT.id,
        OIDC_CLIENT_SECRET: IDP_CLIENT.secret,
      },
      { driver: new FakeDriver() },
    );
    try {
      const c = new Client(closed.url);
      expect((await c.json("GET", "/api/auth/options")).body).toMatchObject({ passwords: false });
      const signup = await c.json<{ type: string }>("POST", "/api/auth/signup", {
        email: "pw@example.test",
        displayName: "Pw",
        password: "correct horse battery",
      });
      expect([signup.status, signup.body.type]).toEqual([403, "/problems/passwords-off"]);
      // The first admin's link still works, and the admin keeps a password way in.
      const token = new URL(closed.firstAdminUrl!).hash.slice(1);
      const admin = { email: "root@example.test", password: "correct horse battery" };
      expect((await c.json("POST", "/api/auth/first-admin", { token, displayName: "Root", ...admin })).status).toBe(
        201,
      );
      expect((await new Client(closed.url).json("POST", "/api/auth/login", admin)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});
