import fs from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { startTestLab, type TestLab } from "../../server/test/lab.ts";
import { pointsClaims } from "../../graders/readme-points.ts";
import { screenshotDir, textNow } from "./artifacts.ts";
import { launchChromium } from "./browser.ts";

/**
 * What a newcomer tripped over in the first hour (issue 13), each as a person would see it
 * in Chromium. Each test failed on the code before its fix.
 */
let lab: TestLab;
let browser: Browser;
let shots: string;
let n = 0;

beforeAll(async () => {
  ensureWebBuilt(() => {});
  lab = await startTestLab({ SANDBOXES_PER_USER: "2" });
  browser = await launchChromium();
  shots = screenshotDir("newcomer");
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await lab?.close();
});

type Person = { context: BrowserContext; page: Page; email: string };

async function newPerson(name: string, viewport = { width: 1280, height: 720 }): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[${name}] page error:`, err.message));
  const email = `${name}-${++n}@example.test`;
  await page.goto(`${lab.url}/signup`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=displayName]", name);
  await page.fill("input[name=password]", "a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("exercise-link-token-bucket").waitFor();
  return { context, page, email };
}

const terminalText = async (page: Page) =>
  (await page.locator("[data-testid=terminal] .xterm-rows").first().textContent()) ?? "";

async function openExercise(page: Page, slug: string): Promise<void> {
  await page.goto(`${lab.url}/exercises/${slug}`);
  await expect
    .poll(() => page.getByTestId("terminal-status").first().textContent(), { timeout: 20_000 })
    .toBe("connected");
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/\$\s*$/);
}

async function type(page: Page, command: string): Promise<void> {
  await page.locator("[data-testid=terminal] .xterm-helper-textarea").first().focus();
  await page.keyboard.type(`${command}\n`, { delay: 5 });
}

/** The page at 1280x720 and 1024x640, light and dark (the system theme is what the lab follows by default). */
async function shot(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const [w, h] of [
    [1280, 720],
    [1024, 640],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      // Pages without the theme toggle (sign-in) set the theme only at load.
      await page.evaluate(
        (t) => ((document.documentElement.dataset.theme = t), (document.documentElement.style.colorScheme = t)),
        scheme,
      );
      await page.waitForTimeout(150);
      await page.screenshot({ path: path.join(shots, `${name}-${w}x${h}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  if (before) await page.setViewportSize(before);
}

describe("a newcomer's first hour", () => {
  it("1: files made in the terminal appear in the tree while a file is open in the editor", async () => {
    const { page, context } = await newPerson("tree");
    await openExercise(page, "token-bucket");
    // The page opens the main source file by itself: a file is open, as in the report.
    await expect.poll(() => page.locator("[data-testid=editor-tab]").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await type(
      page,
      "mkdir made-in-terminal && echo hi > made-in-terminal/a.txt && echo hi > a.txt; echo made-$((3*4))",
    );
    await expect.poll(() => terminalText(page)).toMatch(/made-12/);
    // Well under one old tree-poll period: the server tells the page.
    await page.locator("[data-testid=tree-item][data-path='a.txt']").waitFor({ timeout: 3_000 });
    await page.locator("[data-testid=tree-item][data-path='made-in-terminal']").waitFor({ timeout: 1_000 });
    await type(page, "rm a.txt; echo gone-$((2*5))");
    await expect
      .poll(() => page.locator("[data-testid=tree-item][data-path='a.txt']").count(), { timeout: 3_000 })
      .toBe(0);
    await shot(page, "01-tree-follows-terminal");
    await context.close();
  });
});

describe("the exercise's instructions", () => {
  it("5: are README.md in the workspace, as the starter files say, and come back when deleted", async () => {
    const { page, context } = await newPerson("readme");
    await openExercise(page, "token-bucket");
    await page.locator("[data-testid=tree-item][data-path='README.md']").waitFor({ timeout: 5_000 });
    const title = fs
      .readFileSync(path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket", "README.md"), "utf8")
      .split("\n")[0]!;
    await type(page, "head -n 1 README.md; rm README.md; echo removed-$((9*9))");
    await expect.poll(() => terminalText(page)).toMatch(/removed-81/);
    expect(await terminalText(page)).toContain(title);
    await expect
      .poll(() => page.locator("[data-testid=tree-item][data-path='README.md']").count(), { timeout: 5_000 })
      .toBe(0);
    await page.reload();
    await page.locator("[data-testid=tree-item][data-path='README.md']").waitFor({ timeout: 10_000 });
    await page.locator("[data-testid=tree-item][data-path='README.md']").click();
    await expect
      .poll(() => page.locator(".ws-code .cm-content").innerText(), { timeout: 5_000 })
      .toContain(title.replace(/^#\s*/, ""));
    await shot(page, "05-readme-in-workspace");
    await context.close();
  });
});

describe("npm in the terminal", () => {
  it("6: leaves its cache and logs outside the learner's files", async () => {
    const { page, context } = await newPerson("npm");
    await openExercise(page, "token-bucket");
    // A failing run writes npm's debug log; vitest keeps its results cache.
    await type(page, "npm test > /dev/null 2>&1; npm run no-such-script > /dev/null 2>&1; echo ran-$((8*8)); ls -A");
    await expect.poll(() => terminalText(page), { timeout: 60_000 }).toMatch(/ran-64/);
    await page.waitForTimeout(1_000);
    const names = (
      await page.locator("[data-testid=tree-item]").evaluateAll((els) => els.map((e) => e.getAttribute("data-path")))
    ).filter(Boolean) as string[];
    expect(names.filter((p) => /(^|\/)(\.npm|node_modules|\.vite|\.cache)(\/|$)/.test(p))).toEqual([]);
    const ws = Number(await page.getByTestId("editor").getAttribute("data-workspace"));
    expect(fs.readdirSync(path.join(lab.dataDir, "workspaces", String(ws))).sort()).toEqual(
      fs
        .readdirSync(path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket", "starter"))
        .concat("README.md")
        .sort(),
    );
    await context.close();
  });
});

describe("points", () => {
  it("7: what the instructions say a test is worth is what the results give it", async () => {
    const { page, context } = await newPerson("points");
    await openExercise(page, "token-bucket");
    const instructions = (await page.getByTestId("instructions").innerText()).replace(/\s+/g, " ");
    const claims = pointsClaims(instructions);
    await page.getByTestId("submit").click();
    await page.getByTestId("result-score").waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId("submit").textContent(), { timeout: 30_000 }).toBe("Submit");
    const worth = await page
      .locator("[data-testid=test-result] .points")
      .evaluateAll((els) => els.map((e) => Number((e.textContent ?? "").split("/")[1])));
    expect(worth.length).toBeGreaterThan(0);
    const max = Number(((await page.getByTestId("result-score").textContent()) ?? "").split(" / ")[1]);
    // Each figure the instructions state holds; the total they state is the card's (the last test takes the rounding rest).
    for (const c of claims)
      expect(
        worth.map((w) => Math.round(w * 100) / 100),
        c.text,
      ).toEqual(worth.map(() => c.each));
    expect(instructions).toMatch(
      new RegExp(`14 vitest tests \\(${max} points, shared equally: about ${Math.round((max / 14) * 100) / 100} each`),
    );
    expect(
      worth.filter((w) => Math.abs(w - max / 14) >= 0.05),
      `worth: ${worth.join(", ")}`,
    ).toEqual([]);
    await context.close();
  });
});

describe("feedback", () => {
  async function submitStarter(page: Page): Promise<void> {
    await page.getByTestId("submit").click();
    await page.getByTestId("result-score").waitFor({ timeout: 240_000 });
  }
  const result = (page: Page, name: RegExp) =>
    page.locator("[data-testid=test-result]").filter({ has: page.locator(".test-name", { hasText: name }) });

  it("8: probe advice follows the exercise; an untouched starter earns nothing for code it does not have", async () => {
    const { page, context } = await newPerson("advice");
    await openExercise(page, "vulnerable-notes");
    await submitStarter(page);
    await expect.poll(() => page.getByTestId("submit").textContent(), { timeout: 60_000 }).toBe("Submit");
    const names = await page.locator("[data-testid=test-result] .test-name").allTextContents();
    const headers = result(page, /security headers/);
    expect(
      await headers.count(),
      `results: ${names.join(" | ")}; ${await page.getByTestId("results").innerText()}`.slice(0, 2000),
    ).toBe(1);
    expect(await headers.getAttribute("data-status")).toBe("fail");
    const message = (await headers.locator(".test-message").textContent()) ?? "";
    expect(message).toMatch(/Missing security headers/);
    expect(message).not.toMatch(/app\.use\(helmet\(\)\)/);
    expect(message).toMatch(/setHeader/);
    await headers.scrollIntoViewIfNeeded();
    await shot(page, "08-advice");

    await openExercise(page, "safe-transfers");
    await submitStarter(page);
    await expect.poll(() => page.getByTestId("submit").textContent(), { timeout: 60_000 }).toBe("Submit");
    const risk = result(page, /risk check is not awaited inside the transaction/);
    expect(await risk.getAttribute("data-status")).toBe("fail");
    expect(await risk.locator(".points").textContent()).toMatch(/^0\//);
    expect(await risk.locator(".test-message").textContent()).toMatch(/no committed db\.transaction\(\)/);
    await context.close();
  }, 600_000);
});

describe("several terminals", () => {
  it("4: tabs, each its own shell in the same sandbox, reattached on reload and recorded", async () => {
    const { page, context } = await newPerson("tabs");
    await openExercise(page, "token-bucket");
    const pane = (t: number) => page.locator(`[data-testid=terminal-pane][data-term="${t}"]`);
    const text = async (t: number) => (await pane(t).locator(".xterm-rows").textContent()) ?? "";
    const typeIn = async (t: number, command: string) => {
      await pane(t).locator(".xterm-helper-textarea").focus();
      await page.keyboard.type(`${command}\n`, { delay: 5 });
    };
    // The service in the first terminal...
    await typeIn(
      0,
      `node -e "require('http').createServer((q, r) => r.end('pong-' + (6 * 7))).listen(41551, '127.0.0.1', () => console.log('listening'))"`,
    );
    await expect.poll(() => text(0), { timeout: 15_000 }).toMatch(/listening/);
    // ...attacked from a second one: its own shell, the same sandbox (same loopback).
    await page.getByTestId("terminal-add").click();
    await expect
      .poll(() => pane(1).getByTestId("terminal-status").textContent(), { timeout: 20_000 })
      .toBe("connected");
    await expect.poll(() => text(1), { timeout: 15_000 }).toMatch(/\$\s*$/);
    await typeIn(
      1,
      `node -e "fetch('http://127.0.0.1:41551').then((r) => r.text()).then(console.log)"; echo tab2-done`,
    );
    await expect.poll(() => text(1), { timeout: 15_000 }).toMatch(/pong-42[\s\S]*tab2-done/);
    expect(await text(0)).not.toMatch(/tab2-done/);
    await shot(page, "04-two-terminals");
    // A reload reattaches both tabs to their shells, screens restored.
    await page.reload();
    await expect.poll(() => page.getByTestId("terminal-tab").count(), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => text(0), { timeout: 20_000 }).toMatch(/listening/);
    await page.locator("[data-testid=terminal-tab][data-term='1']").click();
    await expect.poll(() => text(1), { timeout: 20_000 }).toMatch(/pong-42[\s\S]*tab2-done/);
    // Each shell is its own recording.
    await page.getByTestId("tab-recordings").click();
    await expect.poll(() => page.getByTestId("recording").count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await context.close();
  });
});

describe("a session ended on the server", () => {
  it("3: takes the user to sign-in, says why, and back to the page they were on", async () => {
    const { page, context, email } = await newPerson("ended");
    await openExercise(page, "token-bucket");
    // Signed out everywhere from another device (the API, as another browser would).
    const other = await fetch(`${lab.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: lab.url },
      body: JSON.stringify({ email, password: "a long enough password" }),
    });
    expect(other.status).toBe(200);
    const cookie = other.headers.getSetCookie()[0]!.split(";")[0]!;
    const { csrfToken } = (await other.json()) as { csrfToken: string };
    const out = await fetch(`${lab.url}/api/auth/logout-everywhere`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: lab.url, cookie, "x-csrf-token": csrfToken },
      body: "{}",
    });
    expect(out.status).toBe(200);
    await page.waitForURL(/\/login\?next=%2Fexercises%2Ftoken-bucket$/, { timeout: 15_000 });
    expect(await page.getByTestId("auth-notice").textContent()).toMatch(/session has ended/);
    expect(await page.getByText("Sign out").count()).toBe(0);
    await shot(page, "03-session-ended");
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", "a long enough password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/exercises\/token-bucket$/, { timeout: 10_000 });
    await expect
      .poll(() => page.getByTestId("terminal-status").first().textContent(), { timeout: 20_000 })
      .toBe("connected");
    // A page that is not the lab's own is never where sign-in leads.
    await page.goto(`${lab.url}/login?next=${encodeURIComponent("//example.test/x")}`);
    await page.waitForURL(`${lab.url}/`, { timeout: 10_000 });
    await context.close();
  });
});

describe("the live-sandbox limit (2 in this lab)", () => {
  it("2: a terminal beyond it says what happened and what to do; an ended session keeps its screen and says why", async () => {
    const { page: a, context } = await newPerson("limit");
    await openExercise(a, "token-bucket");
    await type(a, "echo from-the-first-$((6*7))");
    await expect.poll(() => terminalText(a)).toMatch(/from-the-first-42/);
    const b = await context.newPage();
    await openExercise(b, "typed-errors-di");
    const c = await context.newPage();
    await c.goto(`${lab.url}/exercises/safe-transfers`);
    const limit = c.getByTestId("terminal-limit");
    await limit.waitFor({ timeout: 20_000 });
    expect(await limit.textContent()).toMatch(
      /2 exercises have a live terminal open[\s\S]*Live now: .+, .+\.[\s\S]*Continue here/,
    );
    expect(await c.getByTestId("terminal-status").textContent()).toBe("ended");
    await shot(c, "02-limit");
    // Continue here: the least recently used one (the first) stops and says why.
    await c.getByTestId("terminal-continue-here").click();
    await expect.poll(() => c.getByTestId("terminal-status").textContent(), { timeout: 20_000 }).toBe("connected");
    await expect.poll(() => a.getByTestId("terminal-status").textContent(), { timeout: 10_000 }).toBe("ended");
    expect(await a.getByTestId("terminal-reason").textContent()).toMatch(/you continued in/);
    await c.close();
    // Back to the first exercise: a new shell, with the old screen above it and why it ended.
    await a.getByTestId("terminal-restart").click();
    await expect.poll(() => a.getByTestId("terminal-status").textContent(), { timeout: 20_000 }).toBe("connected");
    await expect
      .poll(() => terminalText(a), { timeout: 10_000 })
      .toMatch(/from-the-first-42[\s\S]*previous terminal session ended[\s\S]*you continued in/);
    await shot(a, "02-previous-session");
    await context.close();
  });
});

/** WCAG contrast of two CSS colours ("rgb(r, g, b)"). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? [])
      .slice(0, 3)
      .map(Number)
      .map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe("what confused a newcomer (9, 10, 11, 16, 17)", () => {
  it("9, 11, 16, 17: refusals in words, inputs with the server's limits, a long name keeps Sign out, search by topic, /exercises/<area>/<slug>", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    await page.goto(`${lab.url}/signup`);
    expect(await page.locator("input[name=displayName]").getAttribute("maxlength")).toBe("80");
    expect(await page.locator("input[name=email]").getAttribute("maxlength")).toBe("254");
    // Past the limit anyway (an old page, a script): the refusal names the field and the limit in words.
    await page.locator("input[name=displayName]").evaluate((el) => el.removeAttribute("maxlength"));
    await page.fill("input[name=email]", `words-${++n}@example.test`);
    await page.fill("input[name=displayName]", "x".repeat(95));
    await page.fill("input[name=password]", "a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect
      .poll(() => textNow(page.getByRole("alert")), { timeout: 10_000 })
      .toBe("The display name may be at most 80 characters long (this one has 95).");
    // A 68-character display name: the header still shows Sign out, at both widths.
    await page.fill(
      "input[name=displayName]",
      "Maximiliane Bartholomäa von Hohenzollern-Sigmaringen und Liechtenstein".slice(0, 68),
    );
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByTestId("exercise-link-token-bucket").waitFor();
    for (const width of [1280, 1024]) {
      await page.setViewportSize({ width, height: 720 });
      const out = await page.getByRole("button", { name: "Sign out" }).boundingBox();
      expect(out, `Sign out at ${width}`).not.toBeNull();
      expect(out!.x + out!.width, `Sign out at ${width}`).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    // Search by what an exercise is about.
    for (const [q, id] of [
      ["jwt", "refresh-rotation"],
      ["owasp", "vulnerable-notes"],
      ["mutation", "pricing-mutants"],
    ] as const) {
      await page.getByTestId("filter-q").fill(q);
      await page.getByTestId(`exercise-card-${id}`).waitFor({ timeout: 5_000 });
    }
    await shot(page, "16-search-by-topic");
    // The README's naming of an exercise opens it.
    await page.goto(`${lab.url}/exercises/code-patterns/token-bucket`);
    await page.getByRole("heading", { name: "Token-bucket rate limiter" }).waitFor({ timeout: 10_000 });
    await context.close();
  });

  it("10, 11, 17: a 2 MB paste, a long file name, tabs after a reload, a live recording's size, vitest's badge", async () => {
    const { page, context } = await newPerson("confused");
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: lab.url });
    await openExercise(page, "token-bucket");
    const long = `${"n".repeat(243)}.ts`;
    await type(
      page,
      `echo 'export const x = 1;' > $(printf 'n%.0s' {1..243}).ts; printf '\\e[1m\\e[30m\\e[46m RUN \\e[49m\\e[39m v4\\n'; echo made-$((7*7))`,
    );
    await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/made-49/);
    // vitest's RUN badge (bold black on cyan) is readable in the light theme.
    const badge = page.locator("[data-testid=terminal] .xterm-rows span", { hasText: /^\s*RUN\s*$/ }).first();
    await badge.waitFor({ timeout: 5_000 });
    const [fg, bg] = await badge.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
    expect(contrast(fg!, bg!), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);

    // A 243-character file name: its tab is cut, its close button stays in reach.
    await page.locator(`[data-testid=tree-item][data-path='${long}']`).click({ timeout: 5_000 });
    const tab = page.locator(`[data-testid=editor-tab][data-path='${long}']`);
    await tab.waitFor();
    for (const width of [1280, 1024]) {
      await page.setViewportSize({ width, height: 720 });
      const close = await page.getByRole("button", { name: `Close ${long}` }).boundingBox();
      const strip = await page.locator(".ws-tabs").boundingBox();
      expect(close!.x + close!.width, `the close button at ${width}`).toBeLessThanOrEqual(strip!.x + strip!.width);
      expect(await page.getByTestId("save").isVisible()).toBe(true);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    await shot(page, "11-long-file-name");

    // Both open tabs come back after a reload, the shown one shown.
    const tabs = () =>
      page.locator("[data-testid=editor-tab]").evaluateAll((els) => els.map((e) => e.getAttribute("data-path")));
    const before = await tabs();
    expect(before.length).toBe(2);
    await page.reload();
    await expect.poll(tabs, { timeout: 15_000 }).toEqual(before);
    await expect
      .poll(() => page.locator("[data-testid=editor-tab][aria-selected=true]").getAttribute("data-path"))
      .toBe(long);

    // A 2 MB paste: the editor says the limit and what to do; Submit does not ask to save it.
    await page.locator(".ws-code .cm-content").click();
    await page.keyboard.press("Control+a");
    await page.evaluate((t) => navigator.clipboard.writeText(t), `// ${"x".repeat(2 * 1024 * 1024)}\n`);
    await page.keyboard.press("Control+v");
    await page.keyboard.press("Control+s");
    await expect
      .poll(() => textNow(page.getByTestId("editor-notice")), { timeout: 10_000 })
      .toMatch(
        /is 2 MB; the editor saves files up to 1 MB, so this was not saved\. Make it smaller, or write large files from the terminal/,
      );
    const warning = await textNow(page.getByTestId("unsaved-warning"));
    expect(warning).toMatch(/Too large for the editor to save: .*\. A submission takes the version on disk/);
    expect(warning).not.toMatch(/save first|Ctrl-S/);
    const ws = Number(await page.getByTestId("editor").getAttribute("data-workspace"));
    expect(fs.readFileSync(path.join(lab.dataDir, "workspaces", String(ws), long), "utf8")).toBe(
      "export const x = 1;\n",
    );
    await shot(page, "10-too-large");

    // The live recording says how much it holds so far, not "0 B".
    await page.getByTestId("tab-recordings").click();
    const live = page.locator("[data-testid=recording]", { hasText: "in progress" }).first();
    await live.waitFor({ timeout: 10_000 });
    expect(await live.textContent()).not.toMatch(/\b0 B\b/);
    expect(await live.textContent()).toMatch(/\d+(\.\d)? (B|KB|MB)/);
    page.on("dialog", (d) => void d.accept());
    await context.close();
  });
});
