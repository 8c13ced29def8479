import fs from "node:fs";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import type { Row } from "./report.ts";
import { quantile, sleep } from "./stats.ts";
import { OursLink, PROMPT_AT_END, setDeadline, timeLeft, type TermLink } from "./termlink.ts";
import { ensureWetty, startWetty, WettyLink, type WettyInstall, type WettyServer } from "./wetty.ts";

/**
 * The terminal, side by side with wetty (a peer web terminal) in one run: keystroke echo over
 * a WebSocket, a 10 s `yes` flood (Ctrl-C back to a prompt, server memory, a neighbour's
 * echo meanwhile) and reconnect → restored screen. Ours is the real lab (bwrap sandboxes) in
 * this process, reached through its HTTP API and terminal WebSocket like a browser; wetty
 * runs as a child process with a plain bash. Everything is bounded by PLAN.budgetMs.
 */
const PLAN = {
  warmup: 20,
  echo: 200,
  block: 50,
  spacingMs: 10,
  quiet: 200,
  floodMs: 10_000,
  restore: 20,
  budgetMs: 90_000,
};

const TARGET = { echoRatio: 1.0, ctrlCMs: 250, rssMb: 50, neighbourX: 2 };
const D = "terminal";
/** Keys typed for echo samples: lowercase letters that no escape sequence of bash/readline ends with. */
const KEYS = "xzqvjkw";
const MB = 1024 * 1024;

const r2 = (n: number) => Math.round(n * 100) / 100;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const p = (xs: number[], q: number) => r2(quantile(xs, q));
const dist = (xs: number[]) => ({ p50: p(xs, 0.5), p95: p(xs, 0.95), n: xs.length });

type Live = { lab?: TestLab; wetty?: WettyServer; links: Set<TermLink> };
let live: Live | null = null;

/** Stops what the terminal bench started (also on Ctrl-C of the bench): sockets, wetty, the lab. */
export async function stopTerminalBench(): Promise<void> {
  const l = live;
  live = null;
  if (!l) return;
  await Promise.allSettled([...l.links].map((k) => k.close()));
  await Promise.allSettled([l.wetty?.stop(), l.lab?.close()]);
}

export async function terminalBench(
  say: (m: string) => void,
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  setDeadline(performance.now() + PLAN.budgetMs);
  const l: Live = { links: new Set() };
  live = l;
  const rows: Row[] = [];
  const details: Record<string, unknown> = { plan: PLAN };
  /** One figure: its failure becomes an error row, the others still run. */
  const attempt = async (metric: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      say(`${D}: ${metric} failed: ${(err as Error).stack ?? String(err)}`);
      rows.push({ driver: D, metric, unit: "", error: (err as Error).message.split("\n")[0]! });
    }
  };
  const track = <T extends TermLink>(link: T): T => {
    l.links.add(link);
    return link;
  };
  try {
    // The lab and wetty start side by side; wetty may fail (its figures are then n/a).
    const [labStart, wettyStart] = await Promise.allSettled([
      startTestLab({ SANDBOX_DRIVER: "bwrap" }).then((lab) => (l.lab = lab)),
      ensureWetty(say).then(async (install) => ({ install, server: (l.wetty = await startWetty(install)) })),
    ]);
    if (labStart.status === "rejected") throw labStart.reason;
    const lab = labStart.value;
    let wetty: { install: WettyInstall; server: WettyServer } | null = null;
    let wettyNa = "";
    if (wettyStart.status === "fulfilled") {
      wetty = wettyStart.value;
      details.wetty = { version: wetty.install.version, argv: wetty.server.argv, pid: wetty.server.pid };
    } else {
      wettyNa = `wetty could not run: ${(wettyStart.reason as Error).message}`;
      say(`${D}: ${wettyNa}`);
      details.wetty = { error: wettyNa };
    }
    const wv = wetty ? `wetty ${wetty.install.version}` : "wetty";

    // Ours: two learners, each with a workspace and a terminal (the second is the neighbour).
    const openOurs = async (name: string) => {
      const client = await Client.signup(lab.url, name);
      const ws = await client.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {});
      if (ws.status !== 201 && ws.status !== 200) throw new Error(`workspace: ${ws.status} ${JSON.stringify(ws.body)}`);
      const url = `${lab.url.replace(/^http/, "ws")}/api/workspaces/${ws.body.workspace.id}/terminal`;
      const headers = { origin: lab.url, cookie: client.cookie };
      const link = track(new OursLink(url, headers));
      await link.ready;
      await link.until(PROMPT_AT_END, "a prompt", 20_000);
      return { link, url, headers };
    };
    const openWetty = async () => {
      const link = track(new WettyLink(wetty!.install, wetty!.server.url));
      await link.ready;
      await link.until(PROMPT_AT_END, "wetty's prompt", 10_000);
      return link;
    };
    const [owner, neighbour] = await Promise.all([openOurs("bench-owner"), openOurs("bench-neighbour")]);
    const [wOwner, wNeighbour] = wetty ? await Promise.all([openWetty(), openWetty()]) : [null, null];

    // 1. Keystroke echo, in alternating blocks so both see the same machine.
    await attempt("keystroke echo", async () => {
      const ours: number[] = [];
      const theirs: number[] = [];
      await echoSamples(owner.link, PLAN.warmup);
      if (wOwner) await echoSamples(wOwner, PLAN.warmup);
      for (let done = 0; done < PLAN.echo; done += PLAN.block) {
        ours.push(...(await echoSamples(owner.link, PLAN.block)));
        if (wOwner) theirs.push(...(await echoSamples(wOwner, PLAN.block)));
      }
      const note = (xs: number[]) =>
        `p99 ${p(xs, 0.99)} ms; one key, until its echo arrives; ${PLAN.spacingMs} ms apart`;
      rows.push({
        driver: D,
        metric: "ours: keystroke echo (bwrap sandbox, WebSocket)",
        unit: "ms",
        ...dist(ours),
        note: note(ours),
      });
      details.echo = { ours: summary(ours), wetty: wOwner ? summary(theirs) : wettyNa };
      if (!wOwner) {
        rows.push({ driver: D, metric: "wetty: keystroke echo", unit: "", value: "n/a", note: wettyNa });
        for (const q of ["p50", "p99"])
          rows.push({
            driver: D,
            metric: `echo ratio ours/wetty ${q}`,
            unit: "",
            value: "n/a",
            target: `≤ ${TARGET.echoRatio}`,
            note: wettyNa,
          });
        return;
      }
      rows.push({
        driver: D,
        metric: `wetty: keystroke echo (${wv}, socket.io over WebSocket)`,
        unit: "ms",
        ...dist(theirs),
        note: note(theirs),
      });
      for (const [label, q] of [
        ["p50", 0.5],
        ["p99", 0.99],
      ] as const) {
        const ratio = r2(quantile(ours, q) / quantile(theirs, q));
        rows.push({
          driver: D,
          metric: `echo ratio ours/wetty ${label}`,
          unit: "×",
          value: ratio,
          target: `≤ ${TARGET.echoRatio}`,
          met: ratio <= TARGET.echoRatio,
          note: `${p(ours, q)} / ${p(theirs, q)} ms`,
        });
      }
    });

    // 2. A 10 s flood on ours, with the neighbour typing meanwhile.
    await attempt("ours: yes flood", async () => {
      const f = await flood(owner.link, neighbour.link, "self", 1);
      details.floodOurs = f.details;
      rows.push(...floodRows("ours", f, true));
    });

    // 3. Reconnect → restored screen, on the session that just flooded (its scrollback is full).
    await attempt("ours: reconnect → restored screen", async () => {
      owner.link.clear();
      owner.link.send("echo restore-$((6*7))-marker\r");
      await owner.link.until("restore-42-marker\r\n", "the marker");
      await owner.link.until(PROMPT_AT_END, "a prompt");
      await owner.link.close();
      l.links.delete(owner.link);
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < PLAN.restore && timeLeft() > 5000; i++) {
        const again = track(new OursLink(owner.url, owner.headers));
        await again.ready;
        if (!again.screen.includes("restore-42-marker")) throw new Error("the restored screen lacks the marker");
        ms.push(again.screenAt - again.opened);
        bytes = again.screen.length;
        await again.close();
        l.links.delete(again);
      }
      details.restore = summary(ms);
      rows.push({
        driver: D,
        metric: "ours: reconnect → restored screen",
        unit: "ms",
        ...dist(ms),
        note: `new WebSocket → \`screen\` with the marker; ${Math.round(bytes / 1024)} KiB screen (full 2000-line scrollback after the flood)`,
      });
    });

    // 2'. The same flood against wetty, for comparison.
    if (wOwner && wNeighbour && wetty) {
      const pid = wetty.server.pid;
      await attempt("wetty: yes flood", async () => {
        const f = await flood(wOwner, wNeighbour, pid, 2);
        details.floodWetty = f.details;
        rows.push(...floodRows(`wetty`, f, false));
      });
    } else {
      for (const m of [
        "Ctrl-C after a 10 s yes flood → prompt",
        "process RSS growth during the flood",
        "neighbour echo during the flood",
      ])
        rows.push({ driver: D, metric: `wetty: ${m}`, unit: "", value: "n/a", note: wettyNa });
    }
    return { rows, details };
  } finally {
    await stopTerminalBench();
  }
}

/** Types one key, times its echo, erases it (untimed); n samples, `spacingMs` apart. */
async function echoSamples(link: TermLink, n: number, stop?: () => boolean): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n && !stop?.(); i++) {
    const key = KEYS[i % KEYS.length]!;
    link.clear();
    const t0 = performance.now();
    link.send(key);
    out.push((await link.until(key, `the echo of "${key}"`, 5000)) - t0);
    link.clear();
    link.send("\x7f");
    await link.until("\b", "the echo of a backspace", 5000);
    await sleep(PLAN.spacingMs);
  }
  return out;
}

type Flood = {
  ctrlCMs: number;
  bytes: number;
  rssBefore: number;
  rssPeak: number;
  quiet: number[];
  during: number[];
  neighbourError: string | null;
  details: Record<string, unknown>;
};

/**
 * `yes` for PLAN.floodMs on `link` (its client acknowledges as it receives), the neighbour
 * measuring echo before and during; then Ctrl-C, timed until the prompt is back at the end
 * of the output (`yes` lines never end in "$ " or "# "), then `echo done-…` to check the shell
 * takes commands (untimed). Memory is the RSS of `pid` sampled every 20 ms, and its
 * kernel-kept peak (VmHWM, reset just before).
 */
async function flood(link: TermLink, neighbour: TermLink, pid: number | "self", k: number): Promise<Flood> {
  const quiet = await echoSamples(neighbour, PLAN.quiet);
  // The flooding shell is at its prompt with an empty line (echo samples erase their key).
  const peakReset = resetPeak(pid);
  const rssBefore = rss(pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss(pid))), 20);
  try {
    link.clear();
    link.send("yes flood-line\r");
    await link.until("flood-line\r\nflood-line", "the flood", 5000);
    const t0 = performance.now();
    const bytes0 = link.bytes;
    let neighbourError: string | null = null;
    const during = await echoSamples(
      neighbour,
      Number.MAX_SAFE_INTEGER,
      () => performance.now() - t0 >= PLAN.floodMs,
    ).catch((err: Error) => {
      neighbourError = err.message;
      return [] as number[];
    });
    await sleep(PLAN.floodMs - (performance.now() - t0));
    const bytes = link.bytes - bytes0;
    const floodMs = performance.now() - t0;
    link.clear();
    const c0 = performance.now();
    link.send("\x03");
    const prompt = (await link.until(PROMPT_AT_END, "the prompt after Ctrl-C", 20_000)) - c0;
    link.clear();
    link.send(`echo done-$((${k}+1000))\r`);
    await link.until(`done-${k + 1000}\r\n`, "the shell's answer after Ctrl-C", 5000);
    await link.until(PROMPT_AT_END, "a prompt");
    if (neighbourError === null) {
      // The neighbour's line may hold a stray key if a sample was cut short: clear it.
      neighbour.send("\x15");
    }
    rssPeak = Math.max(rssPeak, rss(pid), peakReset ? hwm(pid) : 0);
    return {
      ctrlCMs: r2(prompt),
      bytes,
      rssBefore,
      rssPeak,
      quiet,
      during,
      neighbourError,
      details: {
        ctrlCToPromptMs: r2(prompt),
        floodMs: Math.round(floodMs),
        bytes,
        mbPerSecond: r2(bytes / MB / (floodMs / 1000)),
        rssBeforeMb: mb(rssBefore),
        rssPeakMb: mb(rssPeak),
        peakFrom: peakReset ? "VmHWM (reset) and 20 ms samples" : "20 ms samples",
        neighbourQuiet: summary(quiet),
        neighbourDuring: summary(during),
        neighbourError,
      },
    };
  } catch (err) {
    link.send("\x03"); // never leave a flood running for the figures that follow
    throw err;
  } finally {
    clearInterval(sampler);
  }
}

function floodRows(who: "ours" | "wetty", f: Flood, targets: boolean): Row[] {
  const secs = PLAN.floodMs / 1000;
  const thru = `${mb(f.bytes)} MB delivered to an acking client in ${secs} s`;
  const growth = mb(f.rssPeak - f.rssBefore);
  const rows: Row[] = [
    {
      driver: D,
      metric: `${who}: Ctrl-C after a ${secs} s yes flood → prompt`,
      unit: "ms",
      value: f.ctrlCMs,
      ...(targets ? { target: `≤ ${TARGET.ctrlCMs} ms`, met: f.ctrlCMs <= TARGET.ctrlCMs } : {}),
      note: `until the prompt ends the output again; ${thru}${targets ? "" : "; for comparison"}`,
    },
    {
      driver: D,
      metric:
        who === "ours"
          ? "ours: server RSS growth during the flood (lab + clients in the bench process)"
          : "wetty: process RSS growth during the flood",
      unit: "MB",
      value: growth,
      ...(targets ? { target: `≤ ${TARGET.rssMb} MB`, met: growth <= TARGET.rssMb } : {}),
      note: `${mb(f.rssBefore)} → peak ${mb(f.rssPeak)} MB${targets ? "" : "; for comparison"}`,
    },
    {
      driver: D,
      metric: `${who}: neighbour echo, quiet`,
      unit: "ms",
      ...dist(f.quiet),
      note: `p99 ${p(f.quiet, 0.99)} ms; another user's terminal`,
    },
  ];
  if (f.neighbourError) {
    rows.push({
      driver: D,
      metric: `${who}: neighbour echo during the flood`,
      unit: "",
      error: f.neighbourError,
      ...(targets ? { target: `p99 ≤ ${TARGET.neighbourX}× quiet` } : {}),
    });
    return rows;
  }
  const x = r2(quantile(f.during, 0.99) / quantile(f.quiet, 0.99));
  rows.push({
    driver: D,
    metric: `${who}: neighbour echo during the flood`,
    unit: "ms",
    ...dist(f.during),
    ...(targets ? { target: `p99 ≤ ${TARGET.neighbourX}× quiet`, met: x <= TARGET.neighbourX } : {}),
    note: `p99 ${p(f.during, 0.99)} ms = ${x}× quiet p99${targets ? "" : "; for comparison"}`,
  });
  return rows;
}

function summary(xs: number[]) {
  return { p50: p(xs, 0.5), p95: p(xs, 0.95), p99: p(xs, 0.99), max: p(xs, 1), n: xs.length };
}

function status(pid: number | "self"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const m = /^(Vm\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

function rss(pid: number | "self"): number {
  return pid === "self" ? process.memoryUsage.rss() : (status(pid).VmRSS ?? 0);
}

function hwm(pid: number | "self"): number {
  return status(pid).VmHWM ?? 0;
}

/** Resets the kernel's peak RSS (VmHWM) of `pid` to its current RSS (proc(5), clear_refs "5"). */
function resetPeak(pid: number | "self"): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
