import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, ensureWebBuilt } from "../../server/setup/system.ts";
import { startTestLab, type TestLab } from "../../server/test/lab.ts";
import { screenshotDir } from "./artifacts.ts";

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
  const executablePath = chromiumPath();
  expect(executablePath, "Debian's chromium must be installed (npm test installs it as root)").not.toBeNull();
  lab = await startTestLab({ SANDBOXES_PER_USER: "2" });
  browser = await chromium.launch({
    executablePath: executablePath!,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
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

const terminalText = async (page: Page) => (await page.locator("[data-testid=terminal] .xterm-rows").first().textContent()) ?? "";

async function openExercise(page: Page, slug: string): Promise<void> {
  await page.goto(`${lab.url}/exercises/${slug}`);
  await expect.poll(() => page.getByTestId("terminal-status").first().textContent(), { timeout: 20_000 }).toBe("connected");
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toMatch(/\$\s*$/);
}

async function type(page: Page, command: string): Promise<void> {
  await page.locator("[data-testid=terminal] .xterm-helper-textarea").first().focus();
  await page.keyboard.type(`${command}\n`, { delay: 5 });
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

describe("a newcomer's first hour", () => {
  it("1: files made in the terminal appear in the tree while a file is open in the editor", async () => {
    const { page, context } = await newPerson("tree");
    await openExercise(page, "token-bucket");
    // The page opens the main source file by itself: a file is open, as in the report.
    await expect.poll(() => page.locator("[data-testid=editor-tab]").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await type(page, "mkdir made-in-terminal && echo hi > made-in-terminal/a.txt && echo hi > a.txt; echo made-$((3*4))");
    await expect.poll(() => terminalText(page)).toMatch(/made-12/);
    // Well under one old tree-poll period: the server tells the page.
    await page.locator("[data-testid=tree-item][data-path='a.txt']").waitFor({ timeout: 3_000 });
    await page.locator("[data-testid=tree-item][data-path='made-in-terminal']").waitFor({ timeout: 1_000 });
    await type(page, "rm a.txt; echo gone-$((2*5))");
    await expect.poll(() => page.locator("[data-testid=tree-item][data-path='a.txt']").count(), { timeout: 3_000 }).toBe(0);
    await shot(page, "01-tree-follows-terminal");
    await context.close();
  });
});
