import fs from "node:fs";
import path from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";
import { Database } from "../../server/db/database.ts";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { Client, startTestLab, type TestLab } from "../../server/test/lab.ts";
import { screenshotDir } from "./artifacts.ts";
import { launchChromium } from "./browser.ts";

/**
 * A hiring round in Chromium on a real lab (bwrap sandboxes, real grading): a reviewer makes
 * a 2-minute assessment in the page and invites two candidates; A writes the solution and
 * hands in; B pastes A's code and is still working at the deadline, so the server hands B in
 * and grades B's final snapshot, and B's later writes are refused. The reviewer sees both,
 * B's timeline with the terminal playback, the similarity flag with fragments, scores the
 * rubric blind, records a decision and exports CSV. Screenshots in light and dark.
 */

const SOLUTION_DIR = path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket", "solution", "src");
const SOLUTION = Object.fromEntries(
  fs.readdirSync(SOLUTION_DIR).map((f) => [`src/${f}`, fs.readFileSync(path.join(SOLUTION_DIR, f), "utf8")]),
);
const SHOTS = screenshotDir("hiring");

let lab: TestLab;
let browser: Browser;
let reviewer: Page;

async function shot(page: Page, name: string): Promise<void> {
  for (const scheme of ["light", "dark"] as const) {
    await page.evaluate((s) => {
      document.documentElement.setAttribute("data-theme", s);
      document.documentElement.style.colorScheme = s;
    }, scheme);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
  }
  await page.evaluate(() => document.documentElement.setAttribute("data-theme", "light"));
}

/** Saves files the way the editor does (If-Match with the ETag read), from inside the candidate's page. */
function saveFiles(page: Page, ws: number, files: Record<string, string>): Promise<number[]> {
  return page.evaluate(
    async ({ ws, files }) => {
      const me = (await (await fetch("/api/auth/me")).json()) as { csrfToken: string };
      const out: number[] = [];
      for (const [p, content] of Object.entries(files)) {
        const cur = await fetch(`/api/workspaces/${ws}/files/content?path=${encodeURIComponent(p)}`);
        const res = await fetch(`/api/workspaces/${ws}/files/content?path=${encodeURIComponent(p)}`, {
          method: "PUT",
          headers: {
            "content-type": "application/json",
            "if-match": cur.headers.get("etag") ?? '"x"',
            "x-csrf-token": me.csrfToken,
          },
          body: JSON.stringify({ content }),
        });
        out.push(res.status);
      }
      return out;
    },
    { ws, files },
  );
}

/** Opens an invite link in a fresh browser: the welcome page of the assessment. */
async function open(link: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: "light" });
  const page = await ctx.newPage();
  page.on("dialog", (d) => void d.accept());
  await page.goto(link);
  await page.getByRole("heading", { name: "What is graded" }).waitFor();
  return page;
}

/** Presses Start; the terminal opens with the page (its session is recorded for the reviewer). */
async function start(page: Page): Promise<number> {
  await page.getByRole("button", { name: "Start the assessment" }).click();
  await page.getByTestId("countdown").waitFor();
  await expect
    .poll(() => page.locator("[data-testid=terminal-status]").textContent(), { timeout: 30_000 })
    .toBe("connected");
  return page.evaluate(async () => {
    const me = (await (await fetch("/api/auth/me")).json()) as { csrfToken: string };
    const r = await fetch("/api/exercises/token-bucket/workspace", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": me.csrfToken },
      body: "{}",
    });
    return ((await r.json()) as { workspace: { id: number } }).workspace.id;
  });
}

beforeAll(async () => {
  ensureWebBuilt(() => {});
  lab = await startTestLab({ GRADING_CONCURRENCY: "2" });
  const admin = await Client.signup(lab.url, "reviewer");
  const db = new Database(path.join(lab.dataDir, "backlab.db"));
  db.run("UPDATE users SET role = 'instructor'");
  db.close();
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: "light" });
  await ctx.addCookies([{ name: "backlab_session", value: admin.cookie.split("=")[1]!, url: lab.url }]);
  reviewer = await ctx.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await lab?.close();
});

describe("a hiring round in Chromium", () => {
  it("runs from invite to decision, with the deadline enforced by the server", async () => {
    await reviewer.goto(`${lab.url}/hire`);
    await reviewer.getByRole("heading", { name: "New assessment" }).waitFor();
    await reviewer.getByLabel("Title").fill("Hiring round");
    await reviewer.getByLabel("Exercise").selectOption("token-bucket");
    await reviewer.getByLabel("Duration (minutes)").fill("2");
    await reviewer.getByLabel("Candidates see").selectOption("full");
    await shot(reviewer, "01-new-assessment");
    await reviewer.getByRole("button", { name: "Create assessment" }).click();
    await reviewer.getByRole("heading", { name: "Hiring round" }).waitFor();
    await reviewer.getByLabel(/How many pseudonymous candidates/).fill("2");
    await reviewer.getByRole("button", { name: "Make invite links" }).click();
    const links = reviewer.getByRole("list", { name: "New invite links" }).locator("input");
    await expect.poll(() => links.count()).toBe(2);
    const [linkA, linkB] = [await links.nth(0).inputValue(), await links.nth(1).inputValue()];
    await shot(reviewer, "02-invites");

    // A: the welcome page (rules, time, what is graded), a reused link refused, Start.
    const A = { page: await open(linkA), ws: 0 };
    await shot(A.page, "03-welcome");
    const reuse = await browser.newContext();
    const again = await reuse.newPage();
    await again.goto(linkA);
    await again
      .getByRole("alert")
      .filter({ hasText: /already used/ })
      .waitFor();
    await reuse.close();
    A.ws = await start(A.page);
    // A works in the editor (a save) and in the terminal, then writes the solution.
    await A.page.locator('[data-testid=tree-item][data-path="src/token-bucket.ts"]').click();
    await A.page.locator(".ws-code .cm-content").click();
    await A.page.keyboard.press("Control+End");
    await A.page.keyboard.type("\n// A was here\n");
    await A.page.keyboard.press("Control+s");
    await expect.poll(() => A.page.getByTestId("editor-notice").textContent(), { timeout: 10_000 }).toMatch(/^Saved/);
    await A.page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
    await A.page.keyboard.type("grep -c 'A was here' src/token-bucket.ts\n", { delay: 5 });
    await expect
      .poll(() => A.page.locator("[data-testid=terminal] .xterm-rows").textContent(), { timeout: 15_000 })
      .toMatch(/\.ts\s*1\s*learner@backlab/);
    // The timeline's reports leave the page every 2 s.
    await A.page.waitForTimeout(2500);
    expect(await saveFiles(A.page, A.ws, SOLUTION)).toEqual([200, 200]);
    await shot(A.page, "04-candidate-working");
    await A.page.getByRole("button", { name: "Hand in" }).click();
    await A.page.getByTestId("handed-in").waitFor();

    // B: pastes A's code (the page reports the paste), saves it, and is still working at the deadline.
    const B = { page: await open(linkB), ws: 0 };
    B.ws = await start(B.page);
    await B.page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData("text/plain", text);
      document
        .querySelector(".candidate-editor")!
        .dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
    }, SOLUTION["src/token-bucket.ts"]!);
    expect(await saveFiles(B.page, B.ws, SOLUTION)).toEqual([200, 200]);
    await B.page.waitForTimeout(2500);
    const deadline = Date.parse(
      await B.page.evaluate(
        async () =>
          ((await (await fetch("/api/candidate/assessment")).json()) as { candidate: { deadline: string } }).candidate
            .deadline,
      ),
    );
    await B.page.getByTestId("handed-in").waitFor({ timeout: deadline - Date.now() + 30_000 });
    expect(await B.page.getByTestId("handed-in").textContent()).toMatch(/time was up/);
    await shot(B.page, "05-candidate-time-up");
    expect(await saveFiles(B.page, B.ws, { "src/token-bucket.ts": "// after the deadline\n" })).toEqual([409]);

    // The reviewer: both graded, B flagged (similar code, a paste), B's timeline and playback.
    await reviewer.getByRole("link", { name: "All assessments" }).click();
    await reviewer.getByRole("link", { name: "Hiring round" }).click();
    const board = reviewer.getByTestId("board");
    await expect
      .poll(
        async () =>
          (await board.locator("tbody tr").allTextContents()).filter((t) => /submitted/.test(t) && /\d+ \/ \d+/.test(t))
            .length,
        { timeout: 120_000 },
      )
      .toBe(2);
    await expect.poll(() => board.textContent(), { timeout: 30_000 }).toMatch(/similar code/);
    await reviewer.getByTestId("similarity").locator("summary").first().click();
    await shot(reviewer, "06-board");
    const rows = await board.locator("tbody tr").allTextContents();
    const bRow = rows.findIndex((t) => /large paste/.test(t));
    expect(bRow).toBeGreaterThanOrEqual(0);
    await board.locator("tbody tr").nth(bRow).getByRole("link").first().click();
    const timeline = reviewer.getByTestId("timeline");
    await timeline.waitFor();
    expect(await timeline.textContent()).toMatch(/pasted \d+ characters[\s\S]*time was up/);
    await timeline.getByRole("button", { name: "Play" }).first().click();
    await reviewer.locator(".ap-player, .ap-wrapper").first().waitFor({ timeout: 15_000 });
    await shot(reviewer, "07-candidate-review");

    // Blind: no name shown before the decision.
    expect(await reviewer.getByRole("heading", { level: 1 }).textContent()).toMatch(/^C-[A-Z0-9]{6}$/);
    const savesOfA = await reviewer.evaluate(async () => {
      const [, , id] = window.location.pathname.split("/");
      const board = (await (await fetch(`/api/assessments/${id}/candidates`)).json()) as {
        candidates: { id: number; flags: string[] }[];
      };
      const a = board.candidates.find((c) => !c.flags.some((f) => /paste/.test(f)))!;
      const d = (await (await fetch(`/api/assessments/${id}/candidates/${a.id}`)).json()) as {
        timeline: { kind: string; detail: { path?: string; command?: string } }[];
      };
      return d.timeline
        .filter((e) => e.kind === "save" || e.kind === "command")
        .map((e) => e.detail.path ?? `$ ${e.detail.command}`);
    });
    // A's timeline has the editor's save and the command run in the terminal.
    expect(savesOfA).toEqual(
      expect.arrayContaining(["src/token-bucket.ts", "$ grep -c 'A was here' src/token-bucket.ts"]),
    );
    // A rubric score per criterion, then a decision.
    await reviewer.getByLabel("Score (1–5)").first().fill("4");
    await reviewer.getByLabel("Score (1–5)").nth(1).fill("3");
    await reviewer.getByRole("button", { name: "Save my scores" }).click();
    await reviewer.getByRole("status").filter({ hasText: "Rubric saved" }).waitFor();
    await reviewer.getByLabel("Decision").selectOption("hold");
    await reviewer.getByLabel("Comment").fill("Code matches another candidate's; talk to them first");
    await reviewer.getByRole("button", { name: "Record decision" }).click();
    await reviewer.getByTestId("decision").waitFor();
    await reviewer.emulateMedia({ media: "print" });
    await reviewer.screenshot({ path: path.join(SHOTS, "08-printable-report.png"), fullPage: true });
    await reviewer.emulateMedia({ media: "screen" });

    // The CSV export, through the reviewer's session.
    await reviewer.getByRole("link", { name: "Back to the board" }).click();
    const csv = await reviewer.evaluate(
      async (href) => (await fetch(href)).text(),
      (await reviewer.getByRole("link", { name: "Export CSV" }).getAttribute("href"))!,
    );
    const lines = csv.trim().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => /,submitted,.*,hold$/.test(l))).toBe(true);
  }, 420_000);
});
