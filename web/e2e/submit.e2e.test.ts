import path from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { startTestLab, type TestLab } from "../../server/test/lab.ts";
import { screenshotDir, textNow } from "./artifacts.ts";
import { launchChromium } from "./browser.ts";

const SUBMISSIONS = "/api/exercises/token-bucket/submissions";

let browser: Browser;
let lab: TestLab;
let page: Page;

beforeAll(async () => {
  ensureWebBuilt(() => {});
  browser = await launchChromium();
  // One grader: a second learner's submissions queue up ahead of this one's, as in a workshop.
  lab = await startTestLab({ GRADING_CONCURRENCY: "1" });
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
}, 300_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await lab?.close();
});

/** The caller's submissions of the exercise, asked by the page itself (its session). */
const submissionIds = () =>
  page.evaluate(
    async (url) =>
      ((await (await fetch(url)).json()) as { submissions: { id: number }[] }).submissions.map((s) => s.id),
    SUBMISSIONS,
  );

async function waitForGraded() {
  await expect.poll(() => page.getByTestId("submit").textContent(), { timeout: 90_000 }).toBe("Submit");
  await page.getByTestId("result-score").waitFor({ timeout: 10_000 });
}

describe("submitting from the exercise page", () => {
  it("sends an Idempotency-Key: a submit whose answer was lost, clicked again, is one submission; the next click a new one", async () => {
    await page.goto(`${lab.url}/signup`);
    await page.fill("input[name=email]", "submit-e2e@example.test");
    await page.fill("input[name=displayName]", "Ida");
    await page.fill("input[name=password]", "a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByTestId("exercise-link-token-bucket").click();
    await page.waitForURL(/\/exercises\/token-bucket$/);
    await expect.poll(() => page.getByTestId("submit").isEnabled(), { timeout: 15_000 }).toBe(true);

    // The first submit reaches the lab, which makes the submission; its answer is lost on the way back.
    const sent: { key: string | undefined; status: number; replayed: string | undefined }[] = [];
    let dropNext = true;
    await page.route(`**${SUBMISSIONS}`, async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      const key = (await route.request().allHeaders())["idempotency-key"];
      const response = await route.fetch();
      sent.push({ key, status: response.status(), replayed: response.headers()["idempotent-replayed"] });
      if (dropNext) {
        dropNext = false;
        return route.abort("connectionreset");
      }
      return route.fulfill({ response });
    });

    await page.getByTestId("submit").click();
    await expect
      .poll(() => page.getByRole("alert").textContent(), { timeout: 10_000 })
      .toMatch(/could not reach the server/i);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe(202);
    expect(sent[0]!.key).toMatch(/^[0-9a-f]{32}$/);
    const made = await submissionIds();
    expect(made).toHaveLength(1);

    // Clicked again: the same key, and the lab answers with the submission it already made.
    await page.getByTestId("submit").click();
    await waitForGraded();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual({ key: sent[0]!.key, status: 202, replayed: "true" });
    expect(await submissionIds()).toEqual(made);

    // Acknowledged, the key is spent: the next submit is a new submission.
    await page.getByTestId("submit").click();
    await waitForGraded();
    expect(sent).toHaveLength(3);
    expect(sent[2]!.key).toMatch(/^[0-9a-f]{32}$/);
    expect(sent[2]!.key).not.toBe(sent[0]!.key);
    expect(sent[2]!.replayed).toBeUndefined();
    const after = await submissionIds();
    expect(after).toHaveLength(2);
    expect(after[1]).toBe(made[0]);
  }, 300_000);

  it("shows the grading in the results panel: the place in the queue, each step and phase as it happens; nothing jumps", async () => {
    await page.unrouteAll();
    const shots = screenshotDir("submit");
    await page.context().clearCookies();
    await page.goto(`${lab.url}/signup`);
    await page.fill("input[name=email]", "queue-watcher@example.test");
    await page.fill("input[name=displayName]", "Quinn");
    await page.fill("input[name=password]", "a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByTestId("exercise-link-token-bucket").click();
    await expect.poll(() => page.getByTestId("submit").isEnabled(), { timeout: 15_000 }).toBe(true);
    // Someone else's two submissions take the one grader first.
    const other = await browser.newPage();
    await other.goto(`${lab.url}/signup`);
    await other.fill("input[name=email]", "queue-ahead@example.test");
    await other.fill("input[name=displayName]", "Ahead");
    await other.fill("input[name=password]", "a long enough password");
    await other.getByRole("button", { name: "Create account" }).click();
    await other.getByTestId("exercise-link-token-bucket").waitFor();
    await other.evaluate(async (url) => {
      const { csrfToken } = (await (await fetch("/api/auth/me")).json()) as { csrfToken: string };
      await fetch("/api/exercises/token-bucket/workspace", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
        body: "{}",
      });
      for (let i = 0; i < 2; i++)
        await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
          body: "{}",
        });
    }, SUBMISSIONS);

    // Every size and text the panel shows while grading, at each change.
    await page.evaluate(() => {
      const w = window as unknown as { seen: { bar: string; button: number; box: number | null; text: string }[] };
      w.seen = [];
      const panel = document.querySelector("[data-testid=results-panel]")!;
      new MutationObserver(() => {
        const bar = panel.querySelector("[data-testid=submit-bar]")!.getBoundingClientRect();
        const box = panel.querySelector("[data-testid=grading-progress]");
        w.seen.push({
          // Screenshots at other sizes come in between: the size is part of the key.
          bar: `${window.innerWidth}: ${bar.top}/${bar.height}`,
          button: panel.querySelector("[data-testid=submit]")!.getBoundingClientRect().width,
          box: box ? box.getBoundingClientRect().height : null,
          text: box ? (box.textContent ?? "") : "",
        });
      }).observe(panel, { childList: true, characterData: true, subtree: true, attributes: true });
    });
    await page.getByTestId("submit").click();
    const state = page.getByTestId("grading-state");
    await expect.poll(() => textNow(state), { timeout: 15_000 }).toBe("Queued — 1 ahead of you");
    for (const [w, h] of [
      [1280, 720],
      [1024, 640],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: path.join(shots, `grading-queued-${w}x${h}-${scheme}.png`) });
      }
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.emulateMedia({ colorScheme: "light" });
    await expect.poll(() => textNow(state), { timeout: 120_000 }).toMatch(/^(Queued — next|Grading — )/);
    await expect.poll(() => textNow(page.getByTestId("grading-phases")), { timeout: 120_000 }).toMatch(/Done so far: /);
    await page.screenshot({ path: path.join(shots, "grading-running-1280x720-light.png") });
    await waitForGraded();
    await other.close();

    const seen = await page.evaluate(
      () => (window as unknown as { seen: { bar: string; button: number; box: number | null; text: string }[] }).seen,
    );
    const texts = seen.map((s) => s.text);
    expect(texts.some((t) => t.includes("Queued — 1 ahead of you"))).toBe(true);
    expect(texts.some((t) => t.includes("Queued — next; 1 being graded"))).toBe(true);
    expect(
      texts.some((t) => /Grading — Hidden unit tests/.test(t) && /starting a sandbox|running the tests/.test(t)),
    ).toBe(true);
    // The step's tests: counted live (the journey checks that every count shows), then its tally.
    expect(texts.some((t) => /Hidden unit tests — \d+\/14 passed/.test(t))).toBe(true);
    // The submit bar and button keep their place and size; the progress box keeps one height.
    const at1280 = seen.filter((s) => s.bar.startsWith("1280:"));
    expect(new Set(at1280.map((s) => s.bar)).size, JSON.stringify([...new Set(at1280.map((s) => s.bar))])).toBe(1);
    expect(new Set(at1280.map((s) => s.button)).size).toBe(1);
    const boxes = new Set(at1280.flatMap((s) => (s.box === null ? [] : [s.box])));
    expect(boxes.size, [...boxes].join(", ")).toBe(1);
  }, 300_000);
});

const terminalText = async (p: Page) =>
  (await p.locator("[data-testid=terminal] .xterm-rows").first().textContent()) ?? "";

async function type(p: Page, command: string): Promise<void> {
  await p.locator("[data-testid=terminal] .xterm-helper-textarea").first().focus();
  await p.keyboard.type(`${command}\n`, { delay: 5 });
}

/** The page at 1280x720 and 1024x640, light and dark. */
async function shot(p: Page, name: string): Promise<void> {
  const dir = screenshotDir("submit");
  for (const [w, h] of [
    [1280, 720],
    [1024, 640],
  ] as const) {
    await p.setViewportSize({ width: w, height: h });
    for (const scheme of ["light", "dark"] as const) {
      await p.emulateMedia({ colorScheme: scheme });
      await p.waitForTimeout(150);
      await p.screenshot({ path: path.join(dir, `${name}-${w}x${h}-${scheme}.png`) });
    }
  }
  await p.emulateMedia({ colorScheme: "light" });
  await p.setViewportSize({ width: 1280, height: 720 });
}

async function newPerson(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const p = await context.newPage();
  await p.goto(`${lab.url}/signup`);
  await p.fill("input[name=email]", `${name}@example.test`);
  await p.fill("input[name=displayName]", name);
  await p.fill("input[name=password]", "a long enough password");
  await p.getByRole("button", { name: "Create account" }).click();
  await p.getByTestId("exercise-link-token-bucket").waitFor();
  return { context, page: p };
}

async function openExercise(p: Page, slug: string): Promise<void> {
  await p.goto(`${lab.url}/exercises/${slug}`);
  await expect.poll(() => textNow(p.getByTestId("terminal-status")), { timeout: 20_000 }).toBe("connected");
  await expect.poll(() => terminalText(p), { timeout: 15_000 }).toMatch(/\$\s*$/);
}

describe("the exercise page at 1280x720", () => {
  /** The terminal's width in columns, as the shell in the sandbox sees it. */
  async function columns(page: Page, tag: string): Promise<number> {
    let cols = 0;
    await expect
      .poll(
        async () => {
          await type(page, `echo ${tag}=$(tput cols)`);
          const all = [...(await terminalText(page)).matchAll(new RegExp(`${tag}=(\\d+)`, "g"))];
          cols = Number(all.at(-1)?.[1] ?? 0);
          return cols;
        },
        { timeout: 15_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    return cols;
  }

  it("13: the instructions collapse and the terminal gets 80+ columns; the results can take the page", async () => {
    const { page, context } = await newPerson("layout");
    await openExercise(page, "token-bucket");
    const before = await columns(page, "open");
    await page.getByTestId("side-collapse").click();
    expect(await page.getByTestId("instructions").isVisible()).toBe(false);
    await page.getByTestId("side-expand").waitFor();
    // The terminal refits to its new width and tells the shell.
    let after = 0;
    await expect
      .poll(async () => (after = await columns(page, `c${Date.now() % 1000}`)), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(80);
    expect(after, `${before} columns before`).toBeGreaterThan(before);
    await shot(page, "13-instructions-collapsed");
    // Collapsed stays collapsed on the next visit.
    await page.reload();
    await page.getByTestId("side-expand").waitFor();

    await page.getByTestId("submit").click();
    await page.getByTestId("result-score").waitFor({ timeout: 120_000 });
    const narrow = (await page.getByTestId("results-panel").boundingBox())!;
    await page.getByTestId("results-expand").click();
    await expect.poll(async () => (await page.getByTestId("results-panel").boundingBox())?.width).toBe(1280);
    const wide = (await page.getByTestId("results-panel").boundingBox())!;
    expect(wide.height).toBeGreaterThan(narrow.height);
    expect(wide.height).toBeGreaterThan(600);
    await shot(page, "13-results-full-page");
    // Escape gives the terminal back, as it was.
    await page.keyboard.press("Escape");
    await expect.poll(async () => (await page.getByTestId("results-panel").boundingBox())?.width).toBe(narrow.width);
    await page.getByTestId("side-expand").click();
    await page.getByTestId("instructions").waitFor();
    await context.close();
  }, 240_000);
});

describe("starting over", () => {
  it("15: a learner resets the workspace to the starter after a confirmation, and gets the old files back", async () => {
    const { page: p, context } = await newPerson("starter-again");
    await openExercise(p, "token-bucket");
    await type(p, "echo mine > src/extra.txt; echo wrote-$((6*7))");
    await expect.poll(() => terminalText(p)).toMatch(/wrote-42/);
    await p.locator("[data-testid=tree-item][data-path='src/extra.txt']").waitFor({ timeout: 10_000 });

    await p.getByTestId("start-over").click();
    await p.getByTestId("start-over-dialog").waitFor();
    await shot(p, "15-start-over");
    await p.getByTestId("start-over-confirm").click();
    await expect
      .poll(() => textNow(p.getByTestId("start-over-message")), { timeout: 15_000 })
      .toMatch(/starter files are back/);
    await expect.poll(() => p.getByTestId("snapshot").count()).toBe(1);
    // The download is the old files, as a tar.
    const href = (await p.getByTestId("snapshot-download").getAttribute("href"))!;
    const tar = await p.request.get(lab.url + href);
    expect(tar.headers()["content-type"]).toMatch(/application\/x-tar/);
    expect((await tar.body()).toString("latin1")).toContain("src/extra.txt");
    await shot(p, "15-start-over-done");
    await p.getByTestId("start-over-close").click();
    await expect
      .poll(() => p.locator("[data-testid=tree-item][data-path='src/extra.txt']").count(), { timeout: 10_000 })
      .toBe(0);

    // Back again from the snapshot.
    await p.getByTestId("start-over").click();
    await p.getByTestId("snapshot-restore").click();
    await expect
      .poll(() => textNow(p.getByTestId("start-over-message")), { timeout: 15_000 })
      .toMatch(/is back in the workspace/);
    await p.getByTestId("start-over-close").click();
    await type(p, "cat src/extra.txt; echo read-$((5*5))");
    await expect.poll(() => terminalText(p)).toMatch(/mine\s*read-25/);
    await context.close();
  }, 120_000);
});
