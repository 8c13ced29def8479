import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, ensureWebBuilt } from "../../server/setup/system.ts";
import { startTestLab, type TestLab } from "../../server/test/lab.ts";

const SUBMISSIONS = "/api/exercises/token-bucket/submissions";

let browser: Browser;
let lab: TestLab;
let page: Page;

beforeAll(async () => {
  ensureWebBuilt(() => {});
  const executablePath = chromiumPath();
  // Never skip: `npm test` installs Debian's chromium first; without it this must fail.
  expect(executablePath, "Debian's chromium must be installed (npm test installs it as root)").not.toBeNull();
  browser = await chromium.launch({
    executablePath: executablePath!,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  lab = await startTestLab();
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
});
