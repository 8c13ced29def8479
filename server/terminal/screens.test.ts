import headless from "@xterm/headless";
import { SerializeAddon } from "@xterm/addon-serialize";
import { afterAll, describe, expect, it } from "vitest";
import { ScreenHost } from "./screens.ts";

const host = new ScreenHost();
afterAll(() => host.terminate());

describe("the screen worker", () => {
  it("restores after a flood (parsed in digests, its middle skipped) the screen a full parse gives, resizes in order", async () => {
    const size = { cols: 80, rows: 24, scrollback: 2000 };
    const reference = new headless.Terminal({ ...size, allowProposedApi: true });
    const serializer = new SerializeAddon();
    reference.loadAddon(serializer as never);
    let parsed = 0;
    host.open("flood", size, (n) => (parsed += n), "before\r\n");
    reference.write("before\r\n");
    const batch = (i: number) =>
      Buffer.from(
        (i % 10 ? "" : `\x1b[3${i % 8}m$ \x1b[0m yes\r\n`) + `flood-line ${i}\r\n`.repeat(1200 + (i % 7) * 100),
      );
    let sent = 0;
    for (let i = 0; i < 120; i++) {
      // A mark at the right edge: where it lands depends on the width when it is parsed.
      const data = i === 118 ? Buffer.concat([batch(i), Buffer.from("\x1b[999C|\r\n")]) : batch(i);
      sent += data.length;
      host.write("flood", data);
      reference.write(data);
      if (i === 118) {
        // Between two batches: in the worker it must land there too, not before bytes still queued.
        host.resize("flood", 40, 30);
        // (xterm applies a resize at once, ahead of writes it has not parsed yet: wait for them.)
        await new Promise<void>((resolve) => reference.write("", resolve));
        reference.resize(40, 30);
      }
    }
    reference.write("\x1b[1mthe end\x1b[0m $ ");
    host.write("flood", Buffer.from("\x1b[1mthe end\x1b[0m $ "));
    sent += Buffer.byteLength("\x1b[1mthe end\x1b[0m $ ");
    const got = await host.serialize("flood", 2000);
    const want = await new Promise<string>((resolve) =>
      reference.write("", () => resolve(serializer.serialize({ scrollback: 2000 }))),
    );
    expect(sent).toBeGreaterThan(2_000_000);
    expect(got.length).toBeGreaterThan(20_000);
    expect(got === want).toBe(true);
    // Every byte sent is reported parsed (the session's flow control counts on it).
    await expect.poll(() => parsed, { timeout: 10_000 }).toBe(sent);
    host.close("flood");
  }, 60_000);
});
