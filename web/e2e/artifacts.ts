import fs from "node:fs";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { ROOT_DIR } from "../../server/config.ts";

/**
 * Where a browser test keeps its screenshots: `test-results/<run>/screenshots/<suite>/`, kept
 * as CI artifacts. `<run>` is one name for the whole `vitest run` (set in vitest.config.ts,
 * or by CI through BACKLAB_TEST_RUN), so the files of every suite of a run sit together.
 */
export function screenshotDir(suite: string): string {
  const run = (process.env.BACKLAB_TEST_RUN ?? "local").replace(/[^\w.-]/g, "_");
  const dir = path.join(ROOT_DIR, "test-results", run, "screenshots", suite);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A locator's text as it is now, "" when it is not on the page. For `expect.poll`: vitest
 * awaits each attempt to its end, so a `textContent()` that waits (30 s by default) for a
 * missing element turns a 10-second poll into a minute-long hang with no message.
 */
export async function textNow(locator: Locator): Promise<string> {
  return (await locator.count()) === 0 ? "" : ((await locator.first().textContent({ timeout: 2000 })) ?? "");
}

/** On a failed test: a screenshot of every page, named after the test, and what each says. */
export async function dumpOnFailure(
  ctx: { task: { name: string; result?: { state?: string } } },
  dir: string,
  pages: Record<string, Page>,
): Promise<void> {
  if (ctx.task.result?.state !== "fail") return;
  const slug = ctx.task.name.replace(/[^\w]+/g, "-").slice(0, 60);
  for (const [who, page] of Object.entries(pages)) {
    if (page.isClosed()) continue;
    await page.screenshot({ path: path.join(dir, `FAILED-${slug}-${who}.png`), timeout: 5000 }).catch(() => {});
    const text = await page
      .locator("body")
      .innerText({ timeout: 2000 })
      .catch((e: unknown) => `(unreadable: ${String(e)})`);
    console.error(`[${ctx.task.name}] ${who} at ${page.url()}:\n${text.slice(0, 2000)}`);
  }
}
