import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { chromiumPath } from "../../server/setup/system.ts";

/**
 * Debian's Chromium, headless, for the browser suites. Missing Chromium fails the suite (never
 * a skip): `npm test` installs it as root.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  expect(executablePath, "Debian's chromium must be installed (npm test installs it as root)").not.toBeNull();
  return chromium.launch({
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
}

/**
 * Records the page's Content Security Policy violations from before any page script runs (init
 * scripts come through DevTools, not the page's CSP); the returned function reads them.
 */
export async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return () => page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
}
