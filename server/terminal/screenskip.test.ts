import headless from "@xterm/headless";
import { SerializeAddon } from "@xterm/addon-serialize";
import { describe, expect, it } from "vitest";
import { parse, skippable } from "./screenskip.ts";

const SCROLLBACK = 300;

/** A small deterministic PRNG (mulberry32): every case is reproducible from its seed. */
function rng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: T[]) => xs[int(xs.length)]!;
  return { next, int, pick };
}

function screen(cols: number, rows: number) {
  const term = new headless.Terminal({ cols, rows, scrollback: SCROLLBACK, allowProposedApi: true });
  const serializer = new SerializeAddon();
  term.loadAddon(serializer as never);
  return { term, serializer };
}

const write = (t: headless.Terminal, d: Uint8Array) => new Promise<void>((resolve) => t.write(d, resolve));

/** Terminal state a session may be in when a flood starts (or ends), some of it odd on purpose. */
function noise(r: ReturnType<typeof rng>): string {
  const bits = [
    () => "plain words and more words ".repeat(1 + r.int(8)),
    () => `\x1b[${r.int(8) + 30};${r.pick([1, 4, 7, 22])}m`,
    () => "\x1b[0m",
    () => `\x1b[${1 + r.int(30)};${1 + r.int(90)}H`,
    () => "\x1b[2J",
    () => "\x1b[K",
    () => `\x1b[${1 + r.int(5)};${6 + r.int(10)}r`,
    () => "\x1b[r",
    () => "\x1b[?1049h",
    () => "\x1b[?1049l",
    () => "\x1b[?2004h",
    () => "\x1b[?7l",
    () => "\x1b[?7h",
    () => "\x1b[4h",
    () => "\x1b[4l",
    () => "\x1b]0;a title",
    () => "\x07",
    () => "\x1b[3",
    () => "\x1b[?6h",
    () => "\x1b[?6l",
    () => "\x1b7",
    () => "\x1b8",
    () => "é日本\t",
    () => "\r\n",
    () => "\n",
    () => "\x08\x08",
    () => "\xc2\x9b31m",
  ];
  let s = "";
  for (let i = r.int(12); i > 0; i--) s += r.pick(bits)();
  return s;
}

/** Many plain lines: ASCII, tabs, UTF-8 (wide ones too), some longer than the screen. */
function flood(r: ReturnType<typeof rng>, lines: number): string {
  const words = ["flood-line", "GET /api/x 200", "\tat frame (file.ts:12:3)", "café", "日本語のログ", "y", ""];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    let line = "";
    for (let w = r.int(r.next() < 0.05 ? 40 : 6); w > 0; w--) line += r.pick(words) + " ";
    out.push(line + (r.next() < 0.03 ? "\n" : "\r\n"));
  }
  return out.join("");
}

async function compare(seed: number): Promise<{ skipped: boolean }> {
  const r = rng(seed);
  const cols = r.pick([80, 40, 132]);
  const rows = r.pick([24, 10, 43]);
  const input = Buffer.from(
    noise(r) + flood(r, 400 + r.int(2000)) + noise(r) + flood(r, r.int(900)) + noise(r),
    "latin1",
  );
  const whole = screen(cols, rows);
  await write(whole.term, input);
  const skipping = screen(cols, rows);
  // Cut in digests as the worker gets them, at any byte (mid-sequence, mid-character).
  let skipped = false;
  for (let at = 0; at < input.length;) {
    const end = Math.min(input.length, at + 1 + r.int(200_000));
    const part = input.subarray(at, end);
    if (skippable(part, rows, SCROLLBACK).length) skipped = true;
    await parse(skipping.term, SCROLLBACK, part);
    at = end;
  }
  const a = whole.serializer.serialize({ scrollback: SCROLLBACK });
  const b = skipping.serializer.serialize({ scrollback: SCROLLBACK });
  expect({ seed, same: a === b }).toEqual({ seed, same: true });
  const cursor = (t: headless.Terminal) => [t.buffer.active.type, t.buffer.active.cursorX, t.buffer.active.cursorY];
  expect(cursor(skipping.term)).toEqual(cursor(whole.term));
  whole.term.dispose();
  skipping.term.dispose();
  return { skipped };
}

describe("screen skipping in a flood", () => {
  it("restores the very screen and scrollback a full parse does, from any state, cut anywhere", async () => {
    let skipped = 0;
    for (let seed = 1; seed <= 40; seed++) if ((await compare(seed)).skipped) skipped++;
    // Not vacuous: most cases had something to skip.
    expect(skipped).toBeGreaterThan(20);
  }, 120_000);

  it("skips the middle of a plain flood and nothing of a run too short or with escapes", () => {
    const yes = Buffer.from("$ yes\r\n" + "flood-line\r\n".repeat(20_000));
    const [skip, ...more] = skippable(yes, 24, 2000);
    expect(more).toEqual([]);
    expect(skip!.from).toBe("$ yes\r\n".length);
    // The lines kept after the skip are more than the buffer holds.
    const kept = yes.subarray(skip!.to).toString().split("\n").length - 1;
    expect(kept).toBeGreaterThan(24 + 2000);
    expect(kept).toBeLessThan(24 + 2000 + 3);
    expect(skippable(Buffer.from("flood-line\r\n".repeat(2000)), 24, 2000)).toEqual([]);
    expect(skippable(Buffer.from("\x1b[31mred\x1b[0m\r\n".repeat(20_000)), 24, 2000)).toEqual([]);
  });
});
