import fs from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { startTestLab, type TestLab } from "../../server/test/lab.ts";
import { screenshotDir } from "./artifacts.ts";
import { launchChromium } from "./browser.ts";

const EXERCISE_DIR = path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket");

let browser: Browser;

beforeAll(async () => {
  ensureWebBuilt(() => {});
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

// Both sandbox drivers serve the same journey: bubblewrap (the embedded default) and Docker.
describe.each(["bwrap", "docker"])("with the %s sandbox driver", (driver) => {
  let lab: TestLab;
  let context: BrowserContext;
  let page: Page;
  let shots: string;

  beforeAll(async () => {
    lab = await startTestLab({ SANDBOX_DRIVER: driver });
    // The clipboard lets the test paste a whole file into the editor, as a learner would.
    context = await browser.newContext({
      viewport: { width: 1280, height: 720 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    page = await context.newPage();
    // Browser-side errors go to the test's output: a failure here is diagnosable from CI logs.
    page.on("pageerror", (err) => console.error(`[${driver}] page error:`, err.message));
    page.on("console", (m) => m.type() === "error" && console.error(`[${driver}] console:`, m.text()));
    shots = screenshotDir(`journey/${driver}`);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await lab?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
  const workspaceFile = (wsId: number, rel: string) => path.join(lab.dataDir, "workspaces", String(wsId), rel);

  async function terminalText(): Promise<string> {
    return (await page.locator("[data-testid=terminal] .xterm-rows").textContent()) ?? "";
  }

  async function runInTerminal(command: string, expected: RegExp): Promise<string> {
    await page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
    await page.keyboard.type(`${command}\n`, { delay: 5 });
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(expected);
    return terminalText();
  }

  const editorText = () => page.locator(".ws-code .cm-content").innerText();
  const notice = () => page.getByTestId("editor-notice").textContent();

  async function openInEditor(rel: string) {
    await page.locator(`[data-testid=tree-item][data-path="${rel}"]`).click();
    await expect
      .poll(() => page.locator("[data-testid=editor-tab][aria-selected=true]").getAttribute("data-path"))
      .toBe(rel);
  }

  /** Replaces the open file's whole text by pasting, then saves with Ctrl-S. */
  async function pasteAndSave(text: string) {
    await page.locator(".ws-code .cm-content").click();
    await page.keyboard.press("Control+a");
    await page.evaluate((t) => navigator.clipboard.writeText(t), text);
    await page.keyboard.press("Control+v");
    await page.keyboard.press("Control+s");
    await expect.poll(notice, { timeout: 10_000 }).toMatch(/^Saved/);
  }

  async function submitAndWait(): Promise<string> {
    // Record every state the results panel shows while grading: the live progress.
    await page.evaluate(() => {
      const w = window as unknown as { labels: string[] };
      w.labels = [];
      const panel = document.querySelector("[data-testid=results-panel]")!;
      new MutationObserver(() => {
        const steps = panel.querySelector("[data-testid=grading-steps]");
        if (steps) w.labels.push(steps.textContent ?? "");
      }).observe(panel, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId("submit").click();
    await expect.poll(() => page.getByTestId("submit").textContent(), { timeout: 5_000 }).not.toBe("Submit");
    await expect.poll(() => page.getByTestId("submit").textContent(), { timeout: 90_000 }).toBe("Submit");
    await page.getByTestId("result-score").waitFor({ timeout: 10_000 });
    const labels = await page.evaluate(() => (window as unknown as { labels: string[] }).labels);
    expect(
      labels.some((l) => /Hidden unit tests — \d+ done \(\d+ ✓\)/.test(l)),
      `progress labels: ${labels.join(" | ")}`,
    ).toBe(true);
    expect(await page.getByTestId("result-category").first().getAttribute("data-category")).toBe("functional");
    // Under the score, where the grading's time went (the unit kind: its sandbox and its tests).
    expect(await page.getByTestId("result-timing").textContent()).toMatch(
      /^Where the time went: .*tests \d+(\.\d)?\sm?s/,
    );
    return (await page.getByTestId("result-score").textContent()) ?? "";
  }

  it("signs up, edits in the editor and the terminal, resolves a conflict, submits, reads feedback, takes a hint, passes and compares with the solution", async () => {
    // Sign up and open the exercise.
    await page.goto(`${lab.url}/`);
    await page.waitForURL(/\/login$/);
    await page.getByRole("link", { name: /create an account/i }).click();
    await page.fill("input[name=email]", `e2e-${driver}@example.test`);
    await page.fill("input[name=displayName]", "Edie");
    await page.fill("input[name=password]", "a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByTestId("exercise-link-token-bucket").waitFor();
    await shot("01-catalog");
    await page.getByTestId("exercise-link-token-bucket").click();
    await page.waitForURL(/\/exercises\/token-bucket$/);
    await expect.poll(() => page.getByTestId("terminal-status").textContent(), { timeout: 15_000 }).toBe("connected");
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(/\$\s*$/);
    await page.locator("[data-testid=tree-item][data-path='src/token-bucket.ts']").waitFor({ timeout: 15_000 });
    const wsId = Number(await page.getByTestId("editor").getAttribute("data-workspace"));
    expect(wsId).toBeGreaterThan(0);

    // Inside the sandbox: not root, only loopback and no route, and the hidden tests nowhere.
    const hidden = fs.readdirSync(path.join(EXERCISE_DIR, "tests"));
    const probe = [
      "echo UID=$(id -u)",
      "echo IFACES=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ,)",
      "echo ROUTES=$(tail -n +2 /proc/net/route | wc -l)",
      `echo HIDDEN=$(find / -xdev \\( ${hidden.map((h) => `-name ${h}`).join(" -o ")} \\) 2>/dev/null | wc -l)`,
    ].join("; ");
    const out = await runInTerminal(probe, /HIDDEN=\d+/);
    expect(out).toMatch(driver === "bwrap" ? /UID=1000/ : /UID=[1-9]\d+/);
    expect(out).toMatch(/IFACES=lo,/);
    expect(out).toMatch(/ROUTES=0/);
    expect(out).toMatch(/HIDDEN=0/);
    await runInTerminal("clear", /\$\s*$/);
    await shot("02-exercise-page");

    // A new file in the editor, saved with Ctrl-S, is what `cat` shows in the terminal.
    await page.getByTestId("new-file").click();
    await page.getByTestId("path-input").fill("notes/e2e.txt");
    await page.getByTestId("path-confirm").click();
    await expect
      .poll(() => page.locator("[data-testid=editor-tab][aria-selected=true]").getAttribute("data-path"))
      .toBe("notes/e2e.txt");
    await page.locator(".ws-code .cm-content").click();
    await page.keyboard.type("hello from the editor");
    await page.keyboard.press("Control+s");
    await expect.poll(notice, { timeout: 10_000 }).toMatch(/^Saved/);
    await runInTerminal("cat notes/e2e.txt; echo", /hello from the editor/);
    await shot("03-saved-and-cat");

    // Changed in the terminal: the clean buffer reloads and says so.
    await runInTerminal("echo changed-in-the-terminal > notes/e2e.txt; echo done-1", /done-1/);
    await expect.poll(editorText, { timeout: 10_000 }).toMatch(/changed-in-the-terminal/);
    expect(await notice()).toMatch(/changed on disk/);
    await shot("04-editor-noticed");

    // Unsaved edits plus another terminal change: a conflict with a clear choice.
    await page.locator(".ws-code .cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("mine, unsaved");
    // The submit bar says what a submission would miss.
    expect(await page.getByTestId("unsaved-warning").textContent()).toContain("notes/e2e.txt");
    await runInTerminal("echo theirs-from-the-terminal > notes/e2e.txt; echo done-2", /done-2/);
    await page.getByTestId("conflict").waitFor({ timeout: 10_000 });
    await page.getByTestId("view-diff").click();
    await page.getByTestId("conflict-diff").waitFor();
    await expect.poll(() => page.locator("[data-testid=conflict-diff] .cm-changedLine").count()).toBeGreaterThan(0);
    await shot("05-conflict-diff");
    await page.getByTestId("keep-mine").click();
    await expect.poll(notice, { timeout: 10_000 }).toMatch(/^Saved/);
    expect(await page.getByTestId("unsaved-warning").count()).toBe(0);
    await runInTerminal("cat notes/e2e.txt; echo done-3", /mine, unsaved[\s\S]*done-3/);
    expect(fs.readFileSync(workspaceFile(wsId, "notes/e2e.txt"), "utf8")).toMatch(
      /changed-in-the-terminal\nmine, unsaved/,
    );

    // Submit the starter: live progress, then feedback grouped by category.
    const starterScore = await submitAndWait();
    const [got, max] = starterScore.split(" / ").map(Number);
    expect(max).toBe(100);
    expect(got).toBeLessThan(100);
    expect(await page.getByTestId("result-status").textContent()).toBe("fail");
    expect(await page.locator("[data-testid=test-result][data-status=fail]").count()).toBeGreaterThan(0);
    await shot("06-starter-feedback");

    // A hint, one at a time; the solution stays locked before a pass.
    await page.getByTestId("side-tab-hints").click();
    await page.getByTestId("reveal-hint").click();
    await expect.poll(() => page.getByTestId("hint").count()).toBe(1);
    await shot("07-hint");
    await page.getByTestId("side-tab-solution").click();
    await page.getByTestId("solution-locked").waitFor();

    // Solve it in the editor: the reference's two source files, pasted and saved.
    const middleware = fs.readFileSync(path.join(EXERCISE_DIR, "solution", "src", "middleware.ts"), "utf8");
    const bucket = `${fs.readFileSync(path.join(EXERCISE_DIR, "solution", "src", "token-bucket.ts"), "utf8")}// solved in the browser\n`;
    await openInEditor("src/middleware.ts");
    await pasteAndSave(middleware);
    await openInEditor("src/token-bucket.ts");
    await pasteAndSave(bucket);
    expect(fs.readFileSync(workspaceFile(wsId, "src/middleware.ts"), "utf8")).toBe(middleware);
    expect(fs.readFileSync(workspaceFile(wsId, "src/token-bucket.ts"), "utf8")).toBe(bucket);
    await runInTerminal("tail -n 1 src/token-bucket.ts", /solved in the browser/);

    expect(await submitAndWait()).toBe("100 / 100");
    expect(await page.getByTestId("result-status").textContent()).toBe("pass");
    expect(await page.locator("[data-testid=test-result][data-status=fail]").count()).toBe(0);
    await shot("08-passed");

    // A pass says what next (issue 13): the solution, the next exercise, the progress page.
    const next = page.getByTestId("what-next");
    await next.waitFor({ timeout: 10_000 });
    await next.getByTestId("what-next-exercise").waitFor({ timeout: 10_000 });
    await next.getByTestId("what-next-solution").click();

    // The reference solution, unlocked, marks the files that differ from the learner's, and
    // opens as a diff against the learner's file.
    const sameness = (rel: string) =>
      page.locator(`[data-testid=solution-file][data-path='${rel}']`).getAttribute("data-sameness", { timeout: 2000 });
    await page.locator("[data-testid=solution-file][data-path='src/token-bucket.ts']").waitFor({ timeout: 10_000 });
    await expect.poll(() => sameness("src/token-bucket.ts"), { timeout: 10_000 }).toBe("differs");
    expect(await sameness("src/middleware.ts")).toBe("same");
    await page.locator("[data-testid=solution-file][data-path='src/token-bucket.ts']").click();
    await page.getByTestId("solution-diff").waitFor();
    await expect.poll(() => page.locator("[data-testid=solution-diff] .cm-changedLine").count()).toBeGreaterThan(0);
    // The folded unchanged lines are marked with a glyph every font has (it was "⦚", a box).
    const folded = page.locator("[data-testid=solution-diff] .cm-collapsedLines").first();
    await folded.waitFor({ timeout: 5_000 });
    expect(await folded.evaluate((el) => getComputedStyle(el, "::before").content)).toBe('"···"');
    await shot("09-solution-diff");
    await page.getByTestId("close-compare").click();
    await page.locator(".ws-code .cm-content").waitFor();

    // By keyboard: the tree opens a file with the arrows and Enter; a divider moves with the
    // arrows, and the layout is still there after a reload.
    await page.locator("[data-testid=tree-item][data-path='src/middleware.ts']").focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator("[data-testid=editor-tab][aria-selected=true]").getAttribute("data-path"))
      .toBe("src/token-bucket.ts");
    // Tab indents in the editor; Escape then Tab leaves it (no keyboard trap).
    await page.locator(".ws-code .cm-content").click();
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => !!document.activeElement?.closest(".cm-editor"))).toBe(false);
    const divider = page.getByTestId("split-editor");
    const before = Number(await divider.getAttribute("aria-valuenow"));
    await divider.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowUp");
    await expect.poll(async () => Number(await divider.getAttribute("aria-valuenow"))).toBe(before - 10);
    await page.reload();
    await page.locator(".ws-code .cm-content").waitFor({ timeout: 15_000 });
    expect(Number(await page.getByTestId("split-editor").getAttribute("aria-valuenow"))).toBe(before - 10);
    await shot("10-layout-after-reload");
  }, 400_000);
});
