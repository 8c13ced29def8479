import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { Client, startTestLab, type TestLab } from "../../server/test/lab.ts";
import { IDP_CLIENT, startTestIdp, type TestIdp } from "../../server/test/oidc-provider.ts";
import { screenshotDir, textNow } from "./artifacts.ts";
import { launchChromium, watchCsp } from "./browser.ts";

/**
 * Accounts in Chromium: the first admin from the one-time link, the admin page changing a
 * learner's role with the keyboard, an invite, the account page. The sandbox is a test
 * double (no terminal here). Every page is watched for Content Security Policy violations:
 * the built app must need no inline script.
 */

let lab: TestLab;
let idp: TestIdp;
let browser: Browser;
let page: Page;
let shots: string;
let violations: () => Promise<string[]>;
const PASSWORD = "a long enough password";

beforeAll(async () => {
  ensureWebBuilt(() => {});
  // A real OpenID provider on loopback: the sign-in page offers it (last test).
  idp = await startTestIdp();
  lab = await startTestLab(
    {
      // Webhooks may reach this test's own receiver on loopback (refused by default).
      WEBHOOK_ALLOW_NETWORKS: "127.0.0.0/8,::1/128",
      WEBHOOK_RETRY_SECONDS: "1,1,1",
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: IDP_CLIENT.id,
      OIDC_CLIENT_SECRET: IDP_CLIENT.secret,
      OIDC_NAME: "Test IdP",
      OIDC_SCOPES: "openid email profile groups",
      OIDC_ROLE_MAP: JSON.stringify({ teachers: "instructor" }),
    },
    { driver: new FakeDriver() },
  );
  idp.allow(`${lab.url}/api/auth/sso/callback`);
  idp.accounts.set("grace", { email: "grace@example.test", email_verified: true, name: "Grace", groups: ["teachers"] });
  idp.accounts.set("unverified", { email: "nope@example.test", email_verified: false });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  violations = await watchCsp(page);
  shots = screenshotDir("admin");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await lab?.close();
  await idp?.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

/** Tabs until the focused element's text is `name` (at most 40 presses), then returns it. */
async function tabTo(name: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const text = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    if (text === name) return;
  }
  throw new Error(`no focusable "${name}" within 40 tabs`);
}

describe("accounts in the browser", () => {
  it("ships no inline script", () => {
    const html = fs.readFileSync(path.join(ROOT_DIR, "web", "dist", "index.html"), "utf8");
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/);
      expect(body!.trim()).toBe("");
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it("first admin from the one-time link, then the admin page changes a learner's role by keyboard", async () => {
    const learner = await Client.signup(lab.url, "learner");
    const learnerEmail = (await learner.json<{ user: { email: string } }>("GET", "/api/auth/me")).body.user.email;

    expect(lab.firstAdminUrl).toBeDefined();
    await page.goto(lab.firstAdminUrl!);
    await page.getByRole("heading", { name: /Create the first admin/ }).waitFor();
    // The token is read and dropped from the address bar at once.
    expect(new URL(page.url()).hash).toBe("");
    await page.getByLabel("Email").fill("root@example.test");
    await page.getByLabel("Display name").fill("Ada Admin");
    await page.getByLabel("Password").fill(PASSWORD);
    await shot("01-first-admin");
    await page.getByLabel("Password").press("Enter");
    await page.getByRole("link", { name: "Admin", exact: true }).waitFor();
    await shot("02-signed-in-as-admin");

    // To the admin page with the keyboard only.
    await tabTo("Admin");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Users and invites" }).waitFor();
    const row = page.getByTestId(`user-${learnerEmail}`);
    await row.waitFor();
    const select = page.getByLabel(/^Role of learner/);
    expect(await select.inputValue()).toBe("learner");
    // The admin's own role cannot be changed here (a lab keeps its admin).
    expect(await page.getByLabel("Role of Ada Admin").isDisabled()).toBe(true);
    await select.focus();
    await select.selectOption("instructor");
    await expect.poll(() => page.getByTestId("admin-status").textContent()).toMatch(/now instructor/);
    await shot("03-role-changed");
    expect((await learner.json("GET", "/api/auth/me")).body).toMatchObject({ user: { role: "instructor" } });

    // Making an admin asks first; Cancel changes nothing.
    await select.selectOption("admin");
    const confirm = page.getByTestId("admin-confirm");
    await confirm.waitFor({ timeout: 5_000 });
    expect(await confirm.textContent()).toMatch(/an admin\? An admin can change every account/);
    await shot("03b-confirm-admin");
    await page.getByTestId("admin-confirm-no").click();
    expect(await confirm.count()).toBe(0);
    expect(await select.inputValue()).toBe("instructor");
    expect((await learner.json("GET", "/api/auth/me")).body).toMatchObject({ user: { role: "instructor" } });

    // Disabling asks first too, then signs the learner out at once; enabling lets them sign in again.
    await row.getByRole("button", { name: /Disable/ }).click();
    await confirm.waitFor({ timeout: 5_000 });
    expect(await confirm.textContent()).toMatch(/signed out everywhere/);
    expect((await learner.json("GET", "/api/auth/me")).status).toBe(200);
    await page.getByTestId("admin-confirm-yes").click();
    await expect.poll(() => page.getByTestId("admin-status").textContent()).toMatch(/disabled and signed out/);
    expect((await learner.json("GET", "/api/auth/me")).status).toBe(401);
    await row.getByRole("button", { name: /Enable/ }).click();
    await expect.poll(() => page.getByTestId("admin-status").textContent()).toMatch(/enabled/);

    expect(await violations()).toEqual([]);
  });

  it("an invite link made on the admin page signs someone up with its role", async () => {
    // Not "candidate": a candidate account lives inside its assessment only (made by its invite link).
    await page.getByLabel("Role", { exact: true }).selectOption("instructor");
    await page.getByLabel("Only for this email (optional)").fill("bound.invitee@example.test");
    await page.getByRole("button", { name: "Make invite link" }).click();
    const link = await page.getByLabel(/New invite link/).inputValue();
    await page.getByText(/Invite for an instructor made\./).waitFor({ timeout: 5_000 });
    expect(link).toMatch(/\/signup#invite=[A-Za-z0-9_-]{43}$/);
    await shot("04-invite");

    const guest = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const p = await guest.newPage();
    await p.goto(link);
    await p.getByRole("heading", { name: /Accept your invite/ }).waitFor();
    // The page says what the invite is for: its role and the email it is bound to (kept).
    await p.getByTestId("invite-role").waitFor({ timeout: 5_000 });
    expect(await p.getByTestId("invite-intro").textContent()).toMatch(
      /invited as an instructor, for bound\.invitee@example\.test\./,
    );
    expect(await p.getByLabel("Email").inputValue()).toBe("bound.invitee@example.test");
    expect(await p.getByLabel("Email").getAttribute("readonly")).not.toBeNull();
    expect(await p.getByLabel("Display name").getAttribute("maxlength")).toBe("80");
    await p.screenshot({ path: path.join(shots, "04b-invite-page.png") });
    await p.getByLabel("Display name").fill("Cand");
    await p.getByLabel("Password").fill(PASSWORD);
    await p.getByRole("button", { name: "Create account" }).click();
    await p.getByTestId("user-name").waitFor();
    await p.goto(`${lab.url}/account`);
    await expect.poll(() => p.getByTestId("account-role").textContent()).toBe("instructor");
    await guest.close();
  });

  it("the webhooks page adds a receiver, shows its secret once, and its log sends a delivery again", async () => {
    const got: { id: string; type: string }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        got.push({ id: String(req.headers["webhook-id"]), type: (JSON.parse(body) as { type: string }).type });
        res.writeHead(got.length === 1 ? 500 : 204).end(); // the first try fails, the retry lands
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    try {
      await page.goto(`${lab.url}/admin`);
      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByRole("heading", { name: "Webhooks" }).waitFor();
      await page.getByLabel("URL").fill(url);
      await page.getByLabel("Description (optional)").fill("The ATS");
      expect(await page.getByRole("button", { name: "Add receiver" }).isDisabled()).toBe(true);
      await page.locator("input[name=event][value='assessment.completed']").check();
      await page.getByRole("button", { name: "Add receiver" }).click();
      await page.getByTestId("webhook-secret").waitFor();
      expect(await textNow(page.getByTestId("webhook-secret"))).toMatch(/whsec_[A-Za-z0-9+/=]{20,}/);
      await shot("06-webhooks-secret-light");
      await page.getByRole("button", { name: "Done" }).click();
      expect(await page.getByTestId("webhook-secret").count()).toBe(0);

      await page.getByRole("button", { name: "Send test" }).click();
      await page.getByRole("button", { name: "Deliveries" }).click();
      const row = page.locator("[data-testid=webhook-deliveries] tbody tr").first();
      await expect.poll(() => row.getAttribute("data-status"), { timeout: 15_000 }).toBe("delivered");
      expect(await textNow(row.getByTestId("attempts"))).toBe("2");
      await row.getByRole("button", { name: "Send again" }).click();
      await expect.poll(() => got.length, { timeout: 10_000 }).toBe(3);
      // Every try of one delivery carries the same webhook-id, so the receiver can drop repeats.
      expect(new Set(got.map((g) => g.id)).size).toBe(1);
      expect(got.every((g) => g.type === "webhook.test")).toBe(true);
      await expect.poll(() => textNow(row.getByTestId("attempts")), { timeout: 10_000 }).toBe("3");
      await shot("07-webhooks-log-light");
      await page.evaluate(() => localStorage.setItem("backlab.theme", "dark"));
      await page.reload();
      await page.getByRole("button", { name: "Deliveries" }).click();
      await page.locator("[data-testid=webhook-deliveries] tbody tr").first().waitFor();
      await shot("07-webhooks-log-dark");
      await page.evaluate(() => localStorage.setItem("backlab.theme", "light"));
      // A private-range receiver is refused with the server's reason, on the page.
      await page.getByLabel("URL").fill("http://10.1.2.3/hook");
      await page.locator("input[name=event][value='submission.graded']").check();
      await page.getByRole("button", { name: "Add receiver" }).click();
      await expect
        .poll(() => textNow(page.getByTestId("webhooks-error")), { timeout: 5_000 })
        .toMatch(/private|refused|allowed/i);
      expect(await violations()).toEqual([]);
    } finally {
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });

  it("15: a forgotten password: sign-in says there is no mail and to ask an admin, whose one-time link sets a new one once", async () => {
    const email = "forgetful@example.test";
    expect(
      (
        await new Client(lab.url).json("POST", "/api/auth/signup", {
          email,
          displayName: "Forgetful",
          password: PASSWORD,
        })
      ).status,
    ).toBe(201);
    const guest = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const p = await guest.newPage();
    await p.goto(`${lab.url}/login`);
    await p.getByTestId("forgot-password").click();
    expect(await textNow(p.getByTestId("forgot-password-help"))).toMatch(/sends no email[\s\S]*Ask an admin/);
    for (const [w, h] of [
      [1280, 720],
      [1024, 640],
    ] as const)
      for (const scheme of ["light", "dark"] as const) {
        await p.setViewportSize({ width: w, height: h });
        await p.emulateMedia({ colorScheme: scheme });
        await p.screenshot({ path: path.join(shots, `15-forgot-password-${w}x${h}-${scheme}.png`) });
      }

    await page.goto(`${lab.url}/admin`);
    const row = page.getByTestId(`user-${email}`);
    await row.getByTestId("password-reset").click();
    const link = await row.getByTestId("password-reset-link").inputValue();
    expect(link).toMatch(/\/reset-password#token=[A-Za-z0-9_-]{43}$/);
    await shot("15-reset-link");

    await p.setViewportSize({ width: 1280, height: 720 });
    await p.goto(link);
    await p.getByLabel("New password").fill("a fresh long password");
    await p.getByRole("button", { name: "Set the password" }).click();
    expect(await p.getByTestId("reset-done").textContent({ timeout: 10_000 })).toContain(email);
    await p.screenshot({ path: path.join(shots, "15-reset-done.png") });
    const old = await new Client(lab.url).json("POST", "/api/auth/login", { email, password: PASSWORD });
    expect(old.status).toBe(401);
    const fresh = await new Client(lab.url).json("POST", "/api/auth/login", {
      email,
      password: "a fresh long password",
    });
    expect(fresh.status).toBe(200);
    // The link worked once (from another page: the same path with a new fragment would not reload).
    await p.goto(`${lab.url}/login`);
    await p.goto(link);
    await p.getByLabel("New password").fill("yet another password");
    await p.getByRole("button", { name: "Set the password" }).click();
    await expect.poll(() => textNow(p.getByRole("alert")), { timeout: 10_000 }).toMatch(/invalid, used or expired/);
    await guest.close();
  });

  it("the account page changes the password and signs out everywhere", async () => {
    await page.getByTestId("user-name").click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password", { exact: true }).fill("another long password");
    await page.getByLabel("Repeat the new password").fill("another long password");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Password changed" }).count()).toBe(1);
    await expect.poll(() => page.getByText("this browser").count()).toBe(1);
    await shot("05-account");
    expect(await violations()).toEqual([]);

    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const res = await new Client(lab.url).json("POST", "/api/auth/login", {
      email: "root@example.test",
      password: "another long password",
    });
    expect(res.status).toBe(200);
  });

  it("signs in with the identity provider, role from a group; an unverified email is refused with a reason", async () => {
    for (const scheme of ["light", "dark"] as const) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: scheme });
      const p = await ctx.newPage();
      await p.goto(`${lab.url}/login?next=/progress`);
      const button = p.getByRole("link", { name: "Sign in with Test IdP" });
      await button.waitFor();
      await p.screenshot({ path: path.join(shots, `06-sso-sign-in-${scheme}.png`) });
      await button.click();
      await p.getByRole("heading", { name: "Test identity provider" }).waitFor();
      await p.getByLabel("Login").fill(scheme === "light" ? "grace" : "unverified");
      await p.getByRole("button", { name: "Continue" }).click();
      if (scheme === "light") {
        await p.getByTestId("user-name").waitFor();
        expect(new URL(p.url()).pathname).toBe("/progress");
        await p.goto(`${lab.url}/account`);
        await expect.poll(() => textNow(p.getByTestId("account-role"))).toBe("instructor");
      } else {
        await expect.poll(() => textNow(p.getByTestId("auth-notice"))).toMatch(/has not verified your email/);
        await p.screenshot({ path: path.join(shots, `07-sso-refused-${scheme}.png`) });
      }
      await ctx.close();
    }
  });

  it("the account page makes an API token (shown once), lists its last use and revokes it", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const p = await ctx.newPage();
    await p.goto(`${lab.url}/login?next=/account`);
    await p.getByLabel("Email").fill("root@example.test");
    await p.getByLabel("Password").fill("another long password");
    await p.getByRole("button", { name: "Sign in", exact: true }).click();
    await p.getByRole("heading", { name: "API tokens" }).waitFor();
    await p.getByLabel("Name").fill("LMS sync");
    await p.getByRole("checkbox", { name: /progress:read/ }).check();
    await p.getByRole("checkbox", { name: /audit:read/ }).check();
    await p.getByRole("button", { name: "Create token" }).click();
    const secret = await p.getByLabel(/Copy it now/).inputValue();
    expect(secret).toMatch(/^blt_/);
    const use = () => fetch(`${lab.url}/api/progress`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await use()).status).toBe(200);
    await p.reload();
    const row = p.getByTestId("token-LMS sync");
    await expect.poll(() => textNow(row)).toMatch(/progress:read, audit:read/);
    // The secret is not on the page any more, and the list shows the use.
    expect(await p.getByLabel(/Copy it now/).count()).toBe(0);
    expect(await textNow(row)).not.toMatch(/never.*never/);
    const section = p.locator("section", { has: p.getByRole("heading", { name: "API tokens" }) });
    await section.screenshot({ path: path.join(shots, "08-api-tokens-light.png") });
    await p.emulateMedia({ colorScheme: "dark" });
    await section.screenshot({ path: path.join(shots, "08-api-tokens-dark.png") });
    await row.getByRole("button", { name: "Revoke LMS sync" }).click();
    await expect.poll(() => textNow(row)).toMatch(/revoked/);
    expect((await use()).status).toBe(401);

    // The admin page lists everyone's live tokens and revokes one at once.
    await p.emulateMedia({ colorScheme: "light" });
    await p.getByLabel("Name").fill("CI bot");
    await p.getByRole("checkbox", { name: /progress:read/ }).check();
    await p.getByRole("button", { name: "Create token" }).click();
    const bot = await p.getByLabel(/Copy it now/).inputValue();
    const useBot = () => fetch(`${lab.url}/api/progress`, { headers: { authorization: `Bearer ${bot}` } });
    expect((await useBot()).status).toBe(200);
    await p.goto(`${lab.url}/admin`);
    const list = p.getByTestId("admin-token-list");
    await expect.poll(() => textNow(list)).toMatch(/root@example\.test\s*CI bot/);
    expect(await textNow(list)).not.toMatch(/LMS sync/); // revoked: only with "show revoked"
    const tokensSection = p.locator("section", { has: p.getByRole("heading", { name: "API tokens" }) });
    await tokensSection.screenshot({ path: path.join(shots, "08b-admin-tokens-light.png") });
    await p.emulateMedia({ colorScheme: "dark" });
    await tokensSection.screenshot({ path: path.join(shots, "08b-admin-tokens-dark.png") });
    await p.emulateMedia({ colorScheme: "light" });
    await p.getByRole("button", { name: "Revoke CI bot of root@example.test" }).click();
    await expect.poll(() => textNow(p.getByTestId("admin-status"))).toMatch(/revoked: it stops working at once/);
    expect((await useBot()).status).toBe(401);
    await p.getByLabel("Show revoked and expired ones too").check();
    await expect.poll(() => textNow(list)).toMatch(/LMS sync/);

    // The audit log on the admin page: filtered to tokens, with its CSV export.
    await p.getByLabel("Action or prefix").fill("token");
    await p.getByRole("button", { name: "Filter" }).click();
    const table = p.getByTestId("audit-table");
    await expect.poll(() => textNow(table)).toMatch(/token\.revoke/);
    expect(await textNow(table)).not.toMatch(/user\.update/);
    expect(await p.getByTestId("audit-csv").getAttribute("href")).toBe(
      "/api/admin/audit/export?action=token&format=csv",
    );
    const audit = p.locator("section", { has: p.getByRole("heading", { name: "Audit log" }) });
    await audit.screenshot({ path: path.join(shots, "09-audit-light.png") });
    await p.emulateMedia({ colorScheme: "dark" });
    await audit.screenshot({ path: path.join(shots, "09-audit-dark.png") });
    const [download] = await Promise.all([p.waitForEvent("download"), p.getByTestId("audit-csv").click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
    await ctx.close();
  });
});
