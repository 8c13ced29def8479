import path from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";
import { loadCatalog } from "../../graders/exercise/catalog.ts";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { copyDir, startTestLab, type TestLab } from "../../server/test/lab.ts";
import { WORKSPACE_UID_BASE } from "../../server/workspaces/service.ts";
import { screenshotDir } from "./artifacts.ts";
import { launchChromium } from "./browser.ts";

const EXERCISES = path.join(ROOT_DIR, "exercises");
const EXERCISE = "token-bucket";
const SHOTS = screenshotDir("catalog-progress");

let browser: Browser;
let lab: TestLab;
let page: Page;
const loaded = loadCatalog(EXERCISES);
const catalog = [...loaded.exercises.values()];
const paths = loaded.paths ?? [];

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const cards = () => page.locator("[data-testid^=exercise-card-]");
const attr = (name: string) => cards().evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);
const html = (name: string) => page.evaluate((n) => document.documentElement.getAttribute(n), name);
const focusedTestId = () =>
  page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? "");

beforeAll(async () => {
  ensureWebBuilt(() => {});
  browser = await launchChromium();
  lab = await startTestLab();
  // The smallest screen the lab promises to be readable on; light is the system's choice.
  page = await browser.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: "light" });
}, 300_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await lab?.close();
});

async function submitAndWait(): Promise<string> {
  await page.getByTestId("submit").click();
  await page.getByTestId("result-score").waitFor({ timeout: 90_000 });
  return (await page.getByTestId("result-score").textContent()) ?? "";
}

describe("catalog, progress and themes, in Chromium", () => {
  it("signs up and shows the whole catalog by area, every card with difficulty, time and status", async () => {
    expect(catalog.length).toBeGreaterThanOrEqual(10);
    await page.goto(`${lab.url}/signup`);
    await page.fill("input[name=email]", "catalog-e2e@example.test");
    await page.fill("input[name=displayName]", "Cato");
    await page.fill("input[name=password]", "a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByTestId(`exercise-link-${EXERCISE}`).waitFor();

    expect(await cards().count()).toBe(catalog.length);
    const areas = new Set(catalog.map((e) => e.area));
    expect(await page.locator("section.area").count()).toBe(areas.size);
    // Areas in the catalog's learning order, each with its one-line description.
    const headings = await page.locator("section.area h2").allTextContents();
    expect(headings[0]).toBe("API design");
    expect(await page.locator("section.area .area-description").count()).toBe(areas.size);
    const card = page.getByTestId(`exercise-card-${EXERCISE}`);
    expect(await card.textContent()).toMatch(/~\d+ min/);
    expect(await card.getAttribute("data-difficulty")).toMatch(/^(beginner|intermediate|advanced)$/);
    expect(new Set(await attr("data-status"))).toEqual(new Set(["not_started"]));
    // The learning paths (exercises/paths.yaml), each with its steps in order and nothing passed yet.
    expect(await page.locator("[data-testid^=path-card-]").count()).toBe(paths.length);
    for (const p of paths) {
      const pathCard = page.getByTestId(`path-card-${p.id}`);
      expect(await pathCard.getByTestId("path-progress").textContent()).toBe(`0 of ${p.exercises.length} passed`);
      expect(await pathCard.locator("ol > li a").allTextContents()).toEqual(
        p.exercises.map((id) => catalog.find((e) => e.id === id)!.title),
      );
    }
    await shot("01-catalog-light");
    await page.getByTestId("paths").screenshot({ path: path.join(SHOTS, "01b-paths-light.png") });
  });

  it("filters by area and by difficulty, kept in the URL across a reload", async () => {
    const security = catalog.filter((e) => e.area === "security");
    await page.getByTestId("filter-area").selectOption("security");
    await expect.poll(() => cards().count()).toBe(security.length);
    expect(new URL(page.url()).searchParams.get("area")).toBe("security");
    expect(await page.locator("section.area h2").allTextContents()).toEqual(["Security"]);

    const difficulty = security[0]!.difficulty;
    await page.getByTestId("filter-difficulty").selectOption(difficulty);
    const both = catalog.filter((e) => e.area === "security" && e.difficulty === difficulty);
    await expect.poll(() => cards().count()).toBe(both.length);
    expect(new Set(await attr("data-difficulty"))).toEqual(new Set([difficulty]));

    await page.reload();
    await expect.poll(() => cards().count()).toBe(both.length);
    expect(await page.getByTestId("filter-area").inputValue()).toBe("security");
    expect(await page.getByTestId("filter-difficulty").inputValue()).toBe(difficulty);
    expect(await page.getByTestId("filter-count").textContent()).toBe(
      `Showing ${both.length} of ${catalog.length} exercises`,
    );
    await shot("02-catalog-filtered");

    // Difficulty alone, across areas.
    await page.getByTestId("filter-area").selectOption("");
    await expect.poll(() => cards().count()).toBe(catalog.filter((e) => e.difficulty === difficulty).length);
    await page.getByTestId("filter-q").fill("token bucket");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => cards().count()).toBe(catalog.length);
    expect(new URL(page.url()).search).toBe("");
  });

  it("switches to the dark theme and remembers it; the terminal follows", async () => {
    expect(await html("data-theme")).toBe("light");
    const toggle = page.getByTestId("theme-toggle");
    // system → light → dark
    await toggle.click();
    expect(await toggle.getAttribute("data-theme-choice")).toBe("light");
    await toggle.click();
    expect(await toggle.getAttribute("data-theme-choice")).toBe("dark");
    expect(await html("data-theme")).toBe("dark");
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe("rgb(11, 14, 19)");

    await page.reload();
    await page.getByTestId(`exercise-link-${EXERCISE}`).waitFor();
    expect(await html("data-theme")).toBe("dark");
    expect(await background()).toBe("rgb(11, 14, 19)");
    expect(await page.getByTestId("theme-toggle").getAttribute("data-theme-choice")).toBe("dark");
    await shot("03-catalog-dark");
  });

  it("reaches an exercise with the keyboard alone, focus always visible", async () => {
    await page.goto(`${lab.url}/`);
    await page.getByTestId(`exercise-link-${EXERCISE}`).waitFor();
    // The first Tab lands on the skip link, which jumps over the header into the content.
    await page.keyboard.press("Tab");
    expect(await focusedTestId()).toBe("skip-link");
    expect(await page.getByTestId("skip-link").evaluate((e) => e.getBoundingClientRect().top >= 0)).toBe(true);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("MAIN");

    // Narrow the catalog by typing, then Tab on to the card.
    let presses = 0;
    while ((await focusedTestId()) !== "filter-q" && presses++ < 10) await page.keyboard.press("Tab");
    expect(await focusedTestId()).toBe("filter-q");
    await page.keyboard.type("token");
    await expect.poll(() => cards().count()).toBeLessThan(catalog.length);
    presses = 0;
    while ((await focusedTestId()) !== `exercise-link-${EXERCISE}` && presses++ < 15) await page.keyboard.press("Tab");
    expect(await focusedTestId()).toBe(`exercise-link-${EXERCISE}`);
    const ring = await page.getByTestId(`exercise-card-${EXERCISE}`).evaluate((e) => getComputedStyle(e).outlineStyle);
    expect(ring).toBe("solid");
    await shot("04-keyboard-focus");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/exercises/${EXERCISE}$`));

    // The terminal took the dark theme too.
    await expect.poll(() => page.getByTestId("terminal-status").textContent(), { timeout: 20_000 }).toBe("connected");
    const termBg = await page
      .locator("[data-testid=terminal] .xterm-scrollable-element")
      .evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(termBg).toBe("rgb(13, 17, 23)");

    // Tab belongs to the shell; Escape then Tab leaves the terminal, so it is no keyboard trap.
    const inTerminal = () =>
      page.evaluate(() => document.activeElement?.classList.contains("xterm-helper-textarea") ?? false);
    await page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
    await page.keyboard.press("Tab");
    expect(await inTerminal()).toBe(true);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await inTerminal()).toBe(false);
  });

  it("shows the status and best score on the card after submissions, and the attempts on the dashboard", async () => {
    const starter = await submitAndWait();
    const [got, max] = starter.split(" / ").map(Number);
    expect(got).toBeLessThan(max!);
    await shot("05-exercise-dark");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Exercises" }).click();
    const card = page.getByTestId(`exercise-card-${EXERCISE}`);
    await card.waitFor();
    expect(await card.getAttribute("data-status")).toBe("in_progress");
    expect(await card.getByTestId("exercise-status").textContent()).toBe("In progress");
    expect(await card.getByTestId("best-score").textContent()).toBe(`Best ${got} / ${max}`);
    await page.getByTestId("filter-status").selectOption("in_progress");
    await expect.poll(() => cards().count()).toBe(1);

    // Solve it (as a learner who wrote the reference would have) and submit again.
    await page.getByTestId(`exercise-link-${EXERCISE}`).click();
    await page.waitForURL(new RegExp(`/exercises/${EXERCISE}$`));
    // The page's own session: its CSRF token comes with /api/auth/me.
    const wsId = await page.evaluate(async (id) => {
      const { csrfToken } = (await (await fetch("/api/auth/me")).json()) as { csrfToken: string };
      const res = await fetch(`/api/exercises/${id}/workspace`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
        body: "{}",
      });
      return ((await res.json()) as { workspace: { id: number } }).workspace.id;
    }, EXERCISE);
    const dir = catalog.find((e) => e.id === EXERCISE)!.dir;
    copyDir(path.join(dir, "solution"), path.join(lab.dataDir, "workspaces", String(wsId)), WORKSPACE_UID_BASE + wsId);
    await page.getByTestId("result-score").waitFor();
    await page.getByTestId("submit").click();
    await expect
      .poll(() => page.getByTestId("result-score").textContent(), { timeout: 90_000 })
      .toBe(`${max} / ${max}`);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Exercises" }).click();
    await card.waitFor();
    expect(await card.getAttribute("data-status")).toBe("passed");
    expect(await card.getByTestId("best-score").textContent()).toBe(`Best ${max} / ${max}`);
    expect(await card.getByTestId("exercise-status").textContent()).toBe("✓ Passed");
    // Along every path that has the exercise: one step passed, and the next step is the next one.
    const along = paths.filter((p) => p.exercises.includes(EXERCISE));
    expect(along.length).toBeGreaterThan(0);
    for (const p of along) {
      const pathCard = page.getByTestId(`path-card-${p.id}`);
      expect(await pathCard.getByTestId("path-progress").textContent()).toBe(`1 of ${p.exercises.length} passed`);
      const next = p.exercises.find((id) => id !== EXERCISE)!;
      expect(await pathCard.locator(".path-step-next a").textContent()).toBe(catalog.find((e) => e.id === next)!.title);
    }
    await page.getByTestId("paths").screenshot({ path: path.join(SHOTS, "05b-paths-dark.png") });

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Progress" }).click();
    await page.waitForURL(/\/progress$/);
    await page.getByTestId("overall-attempts").waitFor();
    expect(await page.getByTestId("overall-attempts").textContent()).toBe("2");
    expect(await page.getByTestId("overall-passed").textContent()).toBe(`1 / ${catalog.length}`);
    const row = page.getByTestId(`exercise-row-${EXERCISE}`);
    expect(await row.getByTestId("row-attempts").textContent()).toBe("2");
    expect(await row.getByTestId("row-best").textContent()).toBe(`${max} / ${max}`);
    // Two attempts on the chart, the second one passing; the same data as a table.
    expect(await page.getByTestId("chart-point").count()).toBe(2);
    expect(await page.locator("[data-testid=chart-point].point-pass").count()).toBe(1);
    expect(await page.getByTestId("attempt-row").count()).toBe(2);
    const area = catalog.find((e) => e.id === EXERCISE)!.area;
    expect(await page.getByTestId(`area-row-${area}`).textContent()).toContain(
      `1 / ${catalog.filter((e) => e.area === area).length}`,
    );
    await shot("06-progress-dark");

    // Back to light (the choice cycles dark → system, which is light here) for the record.
    await page.getByTestId("theme-toggle").click();
    expect(await html("data-theme")).toBe("light");
    await shot("07-progress-light");
  });

  it("lets an admin open the learner's progress from the admin page; nobody else can", async () => {
    // A learner asking for someone's progress is refused (the route table's rule).
    const refused = await page.evaluate(() => fetch("/api/users/1/progress").then((r) => r.status));
    expect(refused).toBe(403);

    const admin = await browser.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: "dark" });
    try {
      expect(lab.firstAdminUrl).toBeDefined();
      await admin.goto(lab.firstAdminUrl!);
      await admin.getByLabel("Email").fill("root@example.test");
      await admin.getByLabel("Display name").fill("Ada Admin");
      await admin.getByLabel("Password").fill("a long enough password");
      await admin.getByLabel("Password").press("Enter");
      await admin.getByRole("link", { name: "Admin", exact: true }).click();
      await admin.getByRole("link", { name: "Cato", exact: true }).click();
      await admin.waitForURL(/\/users\/\d+\/progress$/);
      await admin.getByRole("heading", { name: "Progress of Cato" }).waitFor();
      expect(await admin.getByTestId("progress-of").textContent()).toContain("catalog-e2e@example.test");
      expect(await admin.getByTestId("overall-attempts").textContent()).toBe("2");
      expect(await admin.getByTestId("chart-point").count()).toBe(2);
      // The system's dark theme, with no choice made in this browser.
      expect(await admin.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
      await admin.screenshot({ path: path.join(SHOTS, "08-admin-views-progress.png"), fullPage: true });
    } finally {
      await admin.close();
    }
  });
});
