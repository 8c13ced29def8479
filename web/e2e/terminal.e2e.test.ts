import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";
import { ensureWebBuilt } from "../../server/setup/system.ts";
import { startTestLab, type TestLab } from "../../server/test/lab.ts";
import { launchChromium } from "./browser.ts";

const SHOTS = path.join(ROOT_DIR, "test-results", "e2e", "terminal");

let lab: TestLab;
let proxy: { url: string; blip(): void; close(): void };
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  ensureWebBuilt(() => {});
  lab = await startTestLab();
  proxy = await tcpProxy(Number(new URL(lab.url).port));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  page = await context.newPage();
  fs.mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  proxy?.close();
  await browser?.close();
  await lab?.close();
});

/**
 * The browser reaches the lab through this loopback TCP proxy, so the test can cut every
 * connection at once: a network blip, as the client sees it.
 */
async function tcpProxy(port: number): Promise<{ url: string; blip(): void; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const blip = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: `http://localhost:${(server.address() as net.AddressInfo).port}`,
    blip,
    close: () => (blip(), server.close()),
  };
}

const terminalText = async () => (await page.locator("[data-testid=terminal] .xterm-rows").textContent()) ?? "";
const status = () => page.getByTestId("terminal-status").textContent();

async function type(command: string): Promise<void> {
  await page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
  await page.keyboard.type(`${command}\n`, { delay: 5 });
}

describe("the terminal in Chromium", () => {
  it("survives a reload and a dropped connection with the screen restored, and replays its recording", async () => {
    await page.goto(`${proxy.url}/signup`);
    await page.fill("input[name=email]", "term@example.test");
    await page.fill("input[name=displayName]", "Terry");
    await page.fill("input[name=password]", "a long enough password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByTestId("exercise-link-token-bucket").click();
    await expect.poll(status, { timeout: 15_000 }).toBe("connected");
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(/\$\s*$/);
    await type("echo before-reload-$((6*7))");
    await expect.poll(terminalText).toMatch(/before-reload-42/);

    // A page reload reattaches to the same shell with the screen as it was.
    await page.reload();
    await expect.poll(status, { timeout: 15_000 }).toBe("connected");
    await expect.poll(terminalText, { timeout: 10_000 }).toMatch(/before-reload-42/);
    await page.screenshot({ path: path.join(SHOTS, "01-after-reload.png") });

    // A network blip: the client notices, reconnects by itself, and the screen is back.
    // The observer is in place before the blip (evaluate returns once it is installed): a
    // reconnect faster than the test's own round trip still leaves its "reconnecting" seen.
    await page.evaluate(() => {
      const w = window as unknown as { sawReconnecting: boolean };
      w.sawReconnecting = false;
      const el = document.querySelector("[data-testid=terminal-status]")!;
      new MutationObserver(() => {
        if (el.textContent === "reconnecting") w.sawReconnecting = true;
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    proxy.blip();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { sawReconnecting: boolean }).sawReconnecting), {
        timeout: 15_000,
      })
      .toBe(true);
    await expect.poll(status, { timeout: 30_000 }).toBe("connected");
    await expect.poll(terminalText).toMatch(/before-reload-42/);
    await type("echo after-blip-$((5*5))");
    await expect.poll(terminalText).toMatch(/after-blip-25/);

    // A flood leaves the page responsive and Ctrl-C effective.
    await type("yes flood");
    await page.waitForTimeout(1500);
    const t0 = Date.now();
    await page.evaluate(() => document.title);
    expect(Date.now() - t0).toBeLessThan(1000);
    await page.locator("[data-testid=terminal] .xterm-helper-textarea").focus();
    await page.keyboard.press("Control+C");
    await type("clear; echo stopped-$((2*8))");
    await expect.poll(terminalText, { timeout: 15_000 }).toMatch(/stopped-16/);
    await page.screenshot({ path: path.join(SHOTS, "02-after-flood.png") });

    // The session's recording replays in the browser.
    await type("echo replay-marker; exit");
    await expect.poll(status, { timeout: 10_000 }).toBe("ended");
    await page.getByTestId("tab-recordings").click();
    await expect.poll(() => page.getByTestId("recording").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByTestId("recording-play").first().click();
    await expect
      .poll(async () => (await page.getByTestId("recording-player").innerText()).includes("replay-marker"), {
        timeout: 30_000,
      })
      .toBe(true);
    await page.screenshot({ path: path.join(SHOTS, "03-replay.png") });
  });
});
