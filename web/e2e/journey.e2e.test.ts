import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";
import { chromiumPath, ensureWebBuilt } from "../../server/setup/system.ts";
import { copyDir, startTestLab, type TestLab } from "../../server/test/lab.ts";
import { WORKSPACE_UID_BASE } from "../../server/workspaces/service.ts";

const EXERCISE_DIR = path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket");
/** Screenshots are kept as CI artifacts. */
const SHOTS = path.join(ROOT_DIR, "test-results", "e2e");

let browser: Browser;

beforeAll(async () => {
  ensureWebBuilt(() => {});
  const executablePath = chromiumPath();
  // Never skip: `npm test` installs Debian's chromium first; without it this must fail.
  expect(executablePath, "Debian's chromium must be installed (npm test installs it as root)").not.toBeNull();
  browser = await chromium.launch({
    executablePath: executablePath!,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
});

// Both sandbox drivers serve the same loop: bubblewrap (the embedded default) and Docker.
describe.each(["bwrap", "docker"])("with the %s sandbox driver", (driver) => {
  let lab: TestLab;
  let page: Page;

  beforeAll(async () => {
    lab = await startTestLab({ SANDBOX_DRIVER: driver });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    fs.mkdirSync(path.join(SHOTS, driver), { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await page?.close();
    await lab?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, driver, `${name}.png`) });

  async function terminalText(): Promise<string> {
    return (await page.locator("[data-testid=terminal] .xterm-rows").textContent()) ?? "";
  }

  async function runInTerminal(command: string, expected: RegExp): Promise<string> {
    await page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
    await page.keyboard.type(`${command}\n`, { delay: 5 });
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(expected);
    return terminalText();
  }

  async function submitAndWait(): Promise<string> {
    // Record every label the button shows while grading: the live progress.
    await page.evaluate(() => {
      const w = window as unknown as { labels: string[] };
      w.labels = [];
      const button = document.querySelector("[data-testid=submit]")!;
      new MutationObserver(() => w.labels.push(button.textContent ?? "")).observe(button, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId("submit").click();
    await expect.poll(() => page.getByTestId("submit").textContent(), { timeout: 5_000 }).not.toBe("Submit");
    await page.getByTestId("result-score").waitFor({ timeout: 60_000 });
    const labels = await page.evaluate(() => (window as unknown as { labels: string[] }).labels);
    expect(labels.some((l) => /Hidden unit tests: \d+ done/.test(l)), `progress labels: ${labels.join(" | ")}`).toBe(true);
    expect(await page.getByTestId("result-category").first().getAttribute("data-category")).toBe("functional");
    return (await page.getByTestId("result-score").textContent()) ?? "";
  }

  describe("a learner's first exercise, in Chromium", () => {
    it("signs up, opens the exercise, uses the sandboxed terminal, submits the starter and then the solution", async () => {
      await page.goto(`${lab.url}/`);
      await page.waitForURL(/\/login$/);
      await page.getByRole("link", { name: /create an account/i }).click();
      await page.fill("input[name=email]", `e2e-${driver}@example.test`);
      await page.fill("input[name=displayName]", "Edie");
      await page.fill("input[name=password]", "a long enough password");
      await page.getByRole("button", { name: "Create account" }).click();

      await page.getByTestId("exercise-link-token-bucket").waitFor();
      await expect.poll(() => page.getByRole("heading", { name: "Code patterns" }).count()).toBe(1);
      await shot("01-catalog");
      await page.getByTestId("exercise-link-token-bucket").click();
      await page.waitForURL(/\/exercises\/token-bucket$/);
      await expect.poll(() => page.getByTestId("terminal-status").textContent(), { timeout: 15_000 }).toBe("connected");
      await expect.poll(terminalText, { timeout: 15_000 }).toMatch(/\$\s*$/);

      // Inside the sandbox: not root, only loopback and no route, and the hidden tests nowhere.
      const hidden = fs.readdirSync(path.join(EXERCISE_DIR, "tests"));
      const probe = [
        "echo UID=$(id -u)",
        "echo IFACES=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ,)",
        "echo ROUTES=$(tail -n +2 /proc/net/route | wc -l)",
        `echo HIDDEN=$(find / -xdev \\( ${hidden.map((h) => `-name ${h}`).join(" -o ")} \\) 2>/dev/null | wc -l)`,
      ].join("; ");
      const out = await runInTerminal(probe, /HIDDEN=\d+/);
      // bwrap maps the learner to uid 1000 inside; Docker runs the workspace's own host uid. Never root.
      expect(out).toMatch(driver === "bwrap" ? /UID=1000/ : /UID=[1-9]\d+/);
      expect(out).toMatch(/IFACES=lo,/);
      expect(out).toMatch(/ROUTES=0/);
      expect(out).toMatch(/HIDDEN=0/);
      await shot("02-terminal");

      const starterScore = await submitAndWait();
      const [got, max] = starterScore.split(" / ").map(Number);
      expect(max).toBe(100);
      expect(got).toBeLessThan(100);
      expect(await page.getByTestId("result-status").textContent()).toBe("fail");
      expect(await page.locator("[data-testid=test-result][data-status=fail]").count()).toBeGreaterThan(0);
      await shot("03-starter-results");

      // Put the reference solution in place, as a learner who solved it would have.
      const wsId = Number((await page.evaluate(() => fetch("/api/exercises/token-bucket/workspace", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).then((r) => r.json()))).workspace.id);
      copyDir(path.join(EXERCISE_DIR, "solution"), path.join(lab.dataDir, "workspaces", String(wsId)), WORKSPACE_UID_BASE + wsId);
      await runInTerminal("grep -c capacity src/token-bucket.ts", /\n?\d+\s*\n?.*\$\s*$/);

      expect(await submitAndWait()).toBe("100 / 100");
      expect(await page.getByTestId("result-status").textContent()).toBe("pass");
      expect(await page.locator("[data-testid=test-result][data-status=fail]").count()).toBe(0);
      await shot("04-solution-results");
    });
  });
});
