import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { Client, startTestLab, type TestLab } from "../../server/test/lab.ts";
import { IDP_CLIENT, startTestIdp, type TestIdp } from "../../server/test/oidc-provider.ts";
import { screenshotDir, textNow } from "./artifacts.ts";
import { launchChromium, watchCsp } from "./browser.ts";

/**
 * Single sign-on's refusals in Chromium, against the real OpenID provider the test starts
 * (server/test/oidc-provider.ts): a required claim missing, the state, the nonce and the PKCE
 * challenge tampered with in the browser's own redirects, a replayed callback. Each must land
 * on the sign-in page saying why in words, signed out (never a stack trace or a blank page).
 * Then the Account page's "Link" joins a password account to the provider.
 */

let lab: TestLab;
let idp: TestIdp;
let browser: Browser;
let shots: string;
const PASSWORD = "a long enough password";

beforeAll(async () => {
  ensureWebBuilt(() => {});
  idp = await startTestIdp();
  lab = await startTestLab(
    {
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: IDP_CLIENT.id,
      OIDC_CLIENT_SECRET: IDP_CLIENT.secret,
      OIDC_NAME: "Test IdP",
      OIDC_SCOPES: "openid email profile groups lab",
      OIDC_ROLE_MAP: JSON.stringify({ teachers: "instructor" }),
      OIDC_REQUIRED_CLAIM: "lab_access",
    },
    { driver: new FakeDriver() },
  );
  idp.allow(`${lab.url}/api/auth/sso/callback`);
  const base = { email_verified: true, lab_access: true };
  idp.accounts.set("ada", { ...base, email: "ada@example.test", name: "Ada", groups: ["teachers"] });
  idp.accounts.set("no-access", { email: "no-access@example.test", email_verified: true, name: "No Access" });
  idp.accounts.set("local", { ...base, email: "local@example.test", name: "Local" });
  browser = await launchChromium();
  shots = screenshotDir("sso");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await lab?.close();
  await idp?.close();
});

type Tab = { ctx: BrowserContext; page: Page; violations: () => Promise<string[]> };

async function tab(colorScheme: "light" | "dark" = "light"): Promise<Tab> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme });
  const page = await ctx.newPage();
  return { ctx, page, violations: await watchCsp(page) };
}

/*
 * Playwright routes a navigation's first request, not the redirects it follows; so the
 * tampering happens at the start of each hop: the lab's /api/auth/sso/start (its redirect to
 * the provider altered) and the provider's sign-in form post (the redirects to the lab's
 * callback followed here, in the context's cookie jar, and the last one altered).
 */

/** Alters the authorization request the lab sends the browser to. */
async function tamperAuthorization(page: Page, tamper: (u: URL) => void): Promise<void> {
  await page.route(`${lab.url}/api/auth/sso/start*`, async (route) => {
    const res = await route.fetch({ maxRedirects: 0 });
    const to = new URL(res.headers()["location"]!);
    tamper(to);
    const headers = { ...res.headers(), location: to.href };
    await route.fulfill({ status: res.status(), headers });
  });
}

/** Alters the provider's redirect back to the lab's callback. */
async function tamperCallback(t: Tab, tamper: (u: URL) => void): Promise<void> {
  await t.page.route(`${idp.issuer}/interaction/*`, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    let res = await route.fetch({ maxRedirects: 0 });
    let to = new URL(res.headers()["location"]!, idp.issuer);
    while (to.origin === idp.issuer) {
      res = await t.ctx.request.get(to.href, { maxRedirects: 0 });
      to = new URL(res.headers()["location"]!, idp.issuer);
    }
    expect(to.pathname).toBe("/api/auth/sso/callback");
    tamper(to);
    await route.fulfill({ status: 303, headers: { location: to.href } });
  });
}

/** From the sign-in page through the provider's form as `login`; resolves once back at the lab. */
async function throughProvider(page: Page, login: string, from = `${lab.url}/login`): Promise<void> {
  if (from) {
    await page.goto(from);
    await page.getByRole("link", { name: "Sign in with Test IdP" }).click();
  }
  await page.getByRole("heading", { name: "Test identity provider" }).waitFor();
  await page.getByLabel("Login").fill(login);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((u) => u.origin === lab.url && !u.pathname.startsWith("/api/"), { timeout: 15_000 });
}

/** The sign-in page, signed out, saying `why` at the top: no stack, no raw error, no blank. */
async function expectRefused(t: Tab, code: string, why: RegExp, shot: string): Promise<void> {
  const u = new URL(t.page.url());
  expect(u.pathname + u.search).toBe(`/login?sso=${code}`);
  await expect.poll(() => textNow(t.page.getByTestId("auth-notice"))).toMatch(why);
  await t.page.getByRole("heading", { name: /Welcome back/ }).waitFor();
  await t.page.getByRole("link", { name: "Sign in with Test IdP" }).waitFor();
  const body = await t.page.locator("body").innerText();
  expect(body).not.toMatch(/\bat [\w.<>]+ \(|Error:|TypeError|Internal Server Error|undefined/);
  expect(await t.page.getByTestId("user-name").count()).toBe(0);
  const me = await t.page.evaluate(async () => (await fetch("/api/auth/me")).status);
  expect(me).toBe(401);
  await t.page.screenshot({ path: path.join(shots, `${shot}.png`) });
  expect(await t.violations()).toEqual([]);
}

describe("single sign-on refusals in the browser", () => {
  it("signs in (the control: the same flow untouched succeeds)", async () => {
    const t = await tab();
    await throughProvider(t.page, "ada");
    await t.page.getByTestId("user-name").waitFor();
    await t.page.goto(`${lab.url}/account`);
    await expect.poll(() => textNow(t.page.getByTestId("account-role"))).toBe("instructor");
    // An instructor (from the provider's group) reaches webhooks for their own cohorts from Cohorts.
    await t.page.goto(`${lab.url}/teach`);
    await t.page.getByRole("link", { name: "Webhooks for your cohorts" }).click();
    await t.page.getByRole("heading", { name: "Webhooks" }).waitFor();
    expect(await textNow(t.page.getByTestId("webhooks-scope"))).toMatch(/only of the cohorts you run/);
    await t.page.locator("input[name=event][value='cohort.help.requested']").waitFor();
    expect(await t.page.locator("input[name=event][value='assessment.completed']").count()).toBe(0);
    for (const scheme of ["light", "dark"] as const) {
      await t.page.emulateMedia({ colorScheme: scheme });
      await t.page.screenshot({ path: path.join(shots, `00-instructor-webhooks-${scheme}.png`) });
    }
    expect(await t.violations()).toEqual([]);
    await t.ctx.close();
  });

  it("refuses an account that lacks the required claim, saying to ask for access", async () => {
    for (const scheme of ["light", "dark"] as const) {
      const t = await tab(scheme);
      await throughProvider(t.page, "no-access");
      await expectRefused(
        t,
        "required-claim",
        /does not have access to this lab\. Ask your administrator/,
        `01-required-claim-${scheme}`,
      );
      await t.ctx.close();
    }
  });

  it("refuses a callback whose state was changed on its way back", async () => {
    const t = await tab();
    await tamperCallback(t, (u) => u.searchParams.set("state", "not-the-state"));
    await throughProvider(t.page, "ada");
    await expectRefused(t, "state", /did not belong to this browser's sign-in/, "02-state");
    await t.ctx.close();
  });

  it("refuses an ID token issued for another nonce (the authorization request was altered)", async () => {
    const t = await tab();
    await tamperAuthorization(t.page, (u) => u.searchParams.set("nonce", "a-nonce-the-lab-never-made"));
    await throughProvider(t.page, "ada");
    await expectRefused(t, "nonce", /token was not issued for this sign-in/, "03-nonce");
    await t.ctx.close();
  });

  it("refuses when the PKCE challenge was swapped (the provider will not redeem the code)", async () => {
    const t = await tab();
    await tamperAuthorization(t.page, (u) =>
      u.searchParams.set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    );
    await throughProvider(t.page, "ada");
    await expectRefused(t, "provider", /did not complete the sign-in/, "04-pkce");
    await t.ctx.close();
  });

  it("refuses a replayed callback, in the same browser and in another", async () => {
    const first = await tab();
    let callback = "";
    first.page.on("request", (r) => {
      if (r.url().includes("/api/auth/sso/callback")) callback = r.url();
    });
    await throughProvider(first.page, "ada");
    await first.page.getByTestId("user-name").waitFor();
    expect(callback).toMatch(/code=/);
    // The same browser, signed out, opens the used callback again: its attempt is used up.
    await first.page.evaluate(async () => {
      const { csrfToken } = (await (await fetch("/api/auth/me")).json()) as { csrfToken: string };
      const out = await fetch("/api/auth/logout", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
        body: "{}",
      });
      if (!out.ok) throw new Error(`sign-out answered ${out.status}`);
    });
    await first.page.goto(callback);
    await expectRefused(first, "expired", /already been used or had expired/, "05-replay-same-browser");
    await first.ctx.close();

    // Another browser that started a sign-in of its own: the stolen answer is not its own.
    const other = await tab();
    await other.page.goto(`${lab.url}/login`);
    await other.page.getByRole("link", { name: "Sign in with Test IdP" }).click();
    await other.page.getByRole("heading", { name: "Test identity provider" }).waitFor();
    await other.page.goto(callback);
    await other.page.waitForURL((u) => u.pathname === "/login");
    const code = new URL(other.page.url()).searchParams.get("sso");
    expect(code).toMatch(/^(state|provider)$/);
    await expectRefused(
      other,
      code!,
      code === "state" ? /did not belong to this browser's sign-in/ : /did not complete the sign-in/,
      "06-replay-other-browser",
    );
    await other.ctx.close();
  });
});

describe("linking a password account to the provider", () => {
  it("refuses the provider for an existing email until its owner links it from the Account page", async () => {
    const local = new Client(lab.url);
    const made = await local.json("POST", "/api/auth/signup", {
      email: "local@example.test",
      displayName: "Local",
      password: PASSWORD,
    });
    expect(made.status).toBe(201);
    const id = (await local.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;

    // Not by the email alone (the lab does not trust the claim for linking by default).
    const stranger = await tab();
    await throughProvider(stranger.page, "local");
    await expectRefused(
      stranger,
      "link-required",
      /already exists\. Sign in with its password, then link/,
      "07-link-required",
    );
    await stranger.ctx.close();

    // Its owner signs in with the password and links from the Account page.
    for (const scheme of ["light", "dark"] as const) {
      const t = await tab(scheme);
      await t.page.goto(`${lab.url}/login?next=/account`);
      await t.page.getByLabel("Email").fill("local@example.test");
      await t.page.getByLabel("Password").fill(PASSWORD);
      await t.page.getByRole("button", { name: "Sign in", exact: true }).click();
      const section = t.page.locator("section", { has: t.page.getByRole("heading", { name: "Single sign-on" }) });
      await section.waitFor();
      await section.screenshot({ path: path.join(shots, `08-account-link-${scheme}.png`) });
      if (scheme === "dark") {
        await t.ctx.close();
        break;
      }
      await section.getByRole("button", { name: "Link Test IdP" }).click();
      await throughProvider(t.page, "local", "");
      expect(new URL(t.page.url()).pathname).toBe("/account");
      await t.page.getByRole("heading", { name: "Your account" }).waitFor();
      expect(await t.page.getByRole("alert").count()).toBe(0);
      expect(await t.violations()).toEqual([]);
      await t.ctx.close();
    }

    // Now the provider signs in to that same account, in a fresh browser.
    const later = await tab();
    await throughProvider(later.page, "local");
    await later.page.getByTestId("user-name").waitFor();
    const me = await later.page.evaluate(
      async () => (await (await fetch("/api/auth/me")).json()) as { user: { id: number } },
    );
    expect(me.user.id).toBe(id);
    await later.ctx.close();
  });
});
