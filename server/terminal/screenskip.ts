import type headless from "@xterm/headless";

/**
 * What a screen model may leave unparsed in a flood without changing the screen it restores.
 *
 * A run of "plain" bytes (printable ASCII, tab, CR, LF, UTF-8 that cannot encode a C1 control)
 * changes no terminal state but the cells it prints and the cursor; once more lines follow it
 * than the buffer holds (rows + scrollback), every cell it printed has scrolled out. So the
 * middle of such a run can be replaced by "\r" and a screenful of line feeds (`flushLines`): the
 * end state is the same, byte for byte of the serialized screen. `parse` only does so
 * when, at the start of the skipped part, the parser is in its ground state (not inside an
 * escape sequence or a string), the buffer is the normal one and the scroll region is the
 * whole screen; anything else is parsed as it comes (screenskip.test.ts compares both ways).
 */
const PLAIN = new Uint8Array(256);
for (let b = 0x20; b <= 0x7e; b++) PLAIN[b] = 1;
for (const b of [0x09, 0x0a, 0x0d]) PLAIN[b] = 1;
// UTF-8: continuation bytes, and leads whose characters are U+00C0 and up with no overlong
// form (C2 may encode U+0080–U+009F, C1 controls; C0/C1/E0/F0 may be overlong): those parse.
for (let b = 0x80; b <= 0xbf; b++) PLAIN[b] = 1;
for (let b = 0xc3; b <= 0xdf; b++) PLAIN[b] = 1;
for (let b = 0xe1; b <= 0xef; b++) PLAIN[b] = 1;
for (let b = 0xf1; b <= 0xf4; b++) PLAIN[b] = 1;

const LF = 0x0a;
const CR = 0x0d;

/** A part of the input that may be replaced by `flushLines` (see above): [from, to). */
export type Skip = { from: number; to: number };

/**
 * What stands for a skipped part: back to the first column, then line feeds enough to reach
 * the bottom row from any row and scroll once, as the skipped part did (the lines after it
 * scroll everything older out).
 */
export const flushLines = (rows: number) => "\r" + "\n".repeat(rows);

/**
 * The parts of `data` that may be skipped: inside each plain run, from just after its first
 * line feed (the parser state before it is checked there) to just after a CR LF that has more
 * than rows + scrollback line feeds after it in the same run; at least `rows` line feeds and
 * `minBytes` bytes, or it is not worth it.
 */
export function skippable(data: Uint8Array, rows: number, scrollback: number, minBytes = 16 * 1024): Skip[] {
  const out: Skip[] = [];
  const keep = rows + scrollback + 1;
  let i = 0;
  while (i < data.length) {
    while (i < data.length && !PLAIN[data[i]!]) i++;
    const start = i;
    while (i < data.length && PLAIN[data[i]!]) i++;
    const end = i;
    if (end - start < minBytes) continue;
    const firstLf = data.indexOf(LF, start);
    if (firstLf < 0 || firstLf >= end) continue;
    const from = firstLf + 1;
    // Walk back from the run's end to the line feed with `keep` line feeds after it.
    let after = 0;
    let to = -1;
    for (let j = end - 1; j > from; j--) {
      if (data[j] !== LF) continue;
      if (after >= keep && data[j - 1] === CR) {
        to = j + 1;
        break;
      }
      after++;
    }
    if (to < 0 || to - from < minBytes) continue;
    let lfs = 0;
    for (let j = from; j < to && lfs < rows; j++) if (data[j] === LF) lfs++;
    if (lfs >= rows) out.push({ from, to });
  }
  return out;
}

/** The parts of the headless xterm's core the skip checks (not in its public typings). */
type Core = {
  buffer: { scrollTop: number; scrollBottom: number };
  _inputHandler: { _parser: { currentState: number } };
};

/** May the bytes from here on be skipped: ground state, normal buffer, whole-screen scroll region. */
function mayskip(term: headless.Terminal): boolean {
  const core = (term as unknown as { _core?: Core })._core;
  if (!core?.buffer || core._inputHandler?._parser?.currentState !== 0) return false;
  return (
    term.buffer.active.type === "normal" && core.buffer.scrollTop === 0 && core.buffer.scrollBottom === term.rows - 1
  );
}

/** Parses `data` into `term` (its scrollback `scrollback` lines), skipping what may be skipped. */
export async function parse(term: headless.Terminal, scrollback: number, data: Uint8Array): Promise<void> {
  const write = (d: Uint8Array | string) => new Promise<void>((resolve) => term.write(d, resolve));
  let at = 0;
  for (const skip of skippable(data, term.rows, scrollback)) {
    await write(data.subarray(at, skip.from));
    await write(mayskip(term) ? flushLines(term.rows) : data.subarray(skip.from, skip.to));
    at = skip.to;
  }
  await write(data.subarray(at));
}
