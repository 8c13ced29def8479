import type { Worker } from "node:worker_threads";
import { Client } from "../test/lab.ts";
import type { NeighbourReply, NeighbourSpec } from "./neighbour.worker.ts";
import type { Row } from "./report.ts";
import { quantile, sleep } from "./stats.ts";
import { cpuMs, hwm, resetPeak, rss, startLabProcess, tsWorker, type LabProcess } from "./termservers.ts";
import { OursLink, PROMPT_AT_END, setDeadline, timeLeft, type TermLink } from "./termlink.ts";
import { ensureWetty, startWetty, WettyLink, type WettyServer } from "./wetty.ts";

/**
 * The terminal the way a room feels it, side by side with wetty (a peer web terminal) in one
 * run. Both servers run as processes of their own (ours: the real lab with bwrap sandboxes,
 * labproc.ts; wetty: a plain bash per connection), so /proc gives each one's CPU and memory.
 * One client per server floods (`yes`) while N = 1, 5 and 20 neighbours type, each on its
 * own worker thread (neighbour.worker.ts); figures are taken per N for each server in turn.
 * With BENCH_TERMINAL_BEFORE=<a checkout> the lab of that checkout runs in the same run too
 * ("before"), for a before/after pair on the same machine. Bounded by PLAN.budgetMs.
 */
const PLAN = {
  warmup: 20,
  echo: 200,
  block: 50,
  spacingMs: 10,
  neighbours: [1, 5, 20],
  quietMs: 3000,
  floodMs: 10_000,
  restore: 10,
  budgetMs: 420_000,
};
const TARGET = { echoX: 0.5, neighbourX: 2, floodGrowthMb: 15, idleSessionMb: 2 };
const D = "terminal";
const MB = 1024 * 1024;
const KEYS = "xzqvjkw";

const r2 = (n: number) => Math.round(n * 100) / 100;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const p = (xs: number[], q: number) => r2(quantile(xs, q));

type Neighbour = { worker: Worker; replies: NeighbourReply[]; wake: () => void };
type Server = {
  name: "ours" | "before" | "wetty";
  pid: number;
  /** A terminal driven from this thread (the flooder, the idle echo). */
  open: (who: string) => Promise<{ link: TermLink; reopen?: () => OursLink }>;
  neighbour: (who: string) => Promise<NeighbourSpec>;
  stop: () => Promise<void>;
  /** A full garbage collection in the server, where it can be asked for (ours). */
  gc?: () => Promise<void>;
  owner?: TermLink;
  reopen?: () => OursLink;
  neighbours: Neighbour[];
};
type PerN = {
  mbPerS: number;
  cpuPct: number;
  cpuMsPerMb: number;
  growthMb: number;
  ctrlCMs: number;
  quiet: number[];
  during: number[];
  errors: string[];
};
type Figures = { echo: number[]; idleSessionMb?: number; perN: Record<number, PerN>; restore?: number[] };

let live: Server[] = [];

/** Stops what the terminal bench started (also on Ctrl-C of the bench): workers, sockets, servers. */
export async function stopTerminalBench(): Promise<void> {
  const servers = live;
  live = [];
  for (const s of servers) {
    for (const n of s.neighbours) void n.worker.terminate();
    await s.owner?.close().catch(() => {});
  }
  await Promise.allSettled(servers.map((s) => s.stop()));
}

function labServer(name: "ours" | "before", lab: LabProcess): Server {
  const terminal = async (who: string) => {
    const client = await Client.signup(lab.url, who);
    const ws = await client.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {});
    if (ws.status !== 201 && ws.status !== 200) throw new Error(`workspace: ${ws.status} ${JSON.stringify(ws.body)}`);
    const url = `${lab.url.replace(/^http/, "ws")}/api/workspaces/${ws.body.workspace.id}/terminal`;
    return { url, headers: { origin: lab.url, cookie: client.cookie } };
  };
  return {
    name,
    pid: lab.pid,
    stop: lab.stop,
    gc: lab.gc,
    neighbours: [],
    open: async (who) => {
      const { url, headers } = await terminal(who);
      const link = new OursLink(url, headers);
      await link.ready;
      return { link, reopen: () => new OursLink(url, headers) };
    },
    neighbour: async (who) => ({ kind: "ours", ...(await terminal(who)) }),
  };
}

function wettyServer(w: WettyServer, install: Awaited<ReturnType<typeof ensureWetty>>): Server {
  return {
    name: "wetty",
    pid: w.pid,
    stop: w.stop,
    neighbours: [],
    open: async () => {
      const link = new WettyLink(install, w.url);
      await link.ready;
      return { link };
    },
    neighbour: async () => ({ kind: "wetty", url: w.url }),
  };
}

function startNeighbour(spec: NeighbourSpec): Promise<Neighbour> {
  const worker = tsWorker(new URL("./neighbour.worker.ts", import.meta.url), spec);
  const n: Neighbour = { worker, replies: [], wake: () => {} };
  worker.on("message", (m: NeighbourReply) => {
    n.replies.push(m);
    n.wake();
  });
  return reply(n).then((m) => {
    if (m.type !== "ready") throw new Error(`a neighbour could not start: ${m.type === "error" ? m.message : m.type}`);
    return n;
  });
}

function reply(n: Neighbour): Promise<NeighbourReply> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("a neighbour did not answer in 40 s")), 40_000);
    const check = () => {
      const m = n.replies.shift();
      if (!m) return;
      clearTimeout(t);
      resolve(m);
    };
    n.wake = check;
    check();
  });
}

/** The neighbours type for `ms`; their echo samples (and any errors). */
async function typing(ns: Neighbour[], ms: number | (() => Promise<void>)) {
  for (const n of ns) n.worker.postMessage("start");
  if (typeof ms === "number") await sleep(ms);
  else await ms();
  const out = await Promise.all(
    ns.map((n) => {
      const r = reply(n);
      n.worker.postMessage("stop");
      return r;
    }),
  );
  const samples = out.flatMap((m) => (m.type === "samples" ? m.ms : []));
  const errors = out.flatMap((m) => (m.type === "samples" && m.error ? [m.error] : []));
  return { samples, errors };
}

/** Types one key, times its echo, erases it (untimed); n samples, `spacingMs` apart. */
async function echoSamples(link: TermLink, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
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

/** `yes` on the server's owner terminal for PLAN.floodMs while `n` neighbours type; then Ctrl-C. */
async function flood(s: Server, n: number, k: number): Promise<PerN> {
  const link = s.owner!;
  const ns = s.neighbours.slice(0, n);
  const quiet = await typing(ns, PLAN.quietMs);
  const peakReset = resetPeak(s.pid);
  const rssBefore = rss(s.pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss(s.pid))), 20);
  try {
    link.clear();
    link.send("yes flood-line\r");
    await link.until("flood-line\r\nflood-line", "the flood", 5000);
    const t0 = performance.now();
    const bytes0 = link.bytes;
    const cpu0 = cpuMs(s.pid);
    let secs = 0;
    let bytes = 0;
    let cpu = 0;
    const during = await typing(ns, async () => {
      await sleep(PLAN.floodMs);
      secs = (performance.now() - t0) / 1000;
      bytes = link.bytes - bytes0;
      cpu = cpuMs(s.pid) - cpu0;
    });
    link.clear();
    const c0 = performance.now();
    link.send("\x03");
    const ctrlCMs = (await link.until(PROMPT_AT_END, "the prompt after Ctrl-C", 20_000)) - c0;
    link.clear();
    link.send(`echo done-$((${k}+1000))\r`);
    await link.until(`done-${k + 1000}\r\n`, "the shell's answer after Ctrl-C", 5000);
    await link.until(PROMPT_AT_END, "a prompt");
    rssPeak = Math.max(rssPeak, rss(s.pid), peakReset ? hwm(s.pid) : 0);
    return {
      mbPerS: r2(bytes / MB / secs),
      cpuPct: Math.round(cpu / 10 / secs),
      cpuMsPerMb: r2(cpu / (bytes / MB)),
      growthMb: mb(rssPeak - rssBefore),
      ctrlCMs: r2(ctrlCMs),
      quiet: quiet.samples,
      during: during.samples,
      errors: [...quiet.errors, ...during.errors],
    };
  } catch (err) {
    link.send("\x03"); // never leave a flood running for the figures that follow
    throw err;
  } finally {
    clearInterval(sampler);
  }
}

export async function terminalBench(
  say: (m: string) => void,
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  setDeadline(performance.now() + PLAN.budgetMs);
  const details: Record<string, unknown> = { plan: PLAN };
  const before = process.env.BENCH_TERMINAL_BEFORE;
  try {
    const [ours, old, wetty] = await Promise.allSettled([
      startLabProcess(),
      before ? startLabProcess(before) : Promise.reject(new Error("BENCH_TERMINAL_BEFORE is not set")),
      ensureWetty(say).then(async (install) => ({ install, server: await startWetty(install) })),
    ]);
    if (ours.status === "rejected") throw ours.reason;
    live.push(labServer("ours", ours.value));
    if (old.status === "fulfilled") live.push(labServer("before", old.value));
    else if (before) say(`${D}: the "before" lab could not start: ${(old.reason as Error).message}`);
    let wettyNa = "";
    if (wetty.status === "fulfilled") {
      live.push(wettyServer(wetty.value.server, wetty.value.install));
      details.wetty = { version: wetty.value.install.version, argv: wetty.value.server.argv };
    } else {
      wettyNa = `wetty could not run: ${(wetty.reason as Error).message}`;
      say(`${D}: ${wettyNa}`);
      details.wetty = { error: wettyNa };
    }
    const figures = new Map<string, Figures>(live.map((s) => [s.name, { echo: [], perN: {} }]));
    const most = Math.max(...PLAN.neighbours);
    for (const s of live) {
      const f = figures.get(s.name)!;
      say(`${D}: ${s.name}: a terminal and ${most} neighbours…`);
      const { link, reopen } = await s.open(`bench-${s.name}-owner`);
      s.owner = link;
      s.reopen = reopen;
      await link.until(PROMPT_AT_END, "a prompt", 20_000);
      await sleep(1000);
      await s.gc?.();
      const base = rss(s.pid);
      for (let i = 0; i < most; i++)
        s.neighbours.push(await startNeighbour(await s.neighbour(`bench-${s.name}-n${i}`)));
      await sleep(2000);
      await s.gc?.();
      f.idleSessionMb = r2((rss(s.pid) - base) / MB / most);
    }
    // Idle echo, in alternating blocks so every server sees the same machine.
    for (const s of live) await echoSamples(s.owner!, PLAN.warmup);
    for (let done = 0; done < PLAN.echo; done += PLAN.block)
      for (const s of live) figures.get(s.name)!.echo.push(...(await echoSamples(s.owner!, PLAN.block)));
    let k = 0;
    for (const n of PLAN.neighbours)
      for (const s of live) {
        if (timeLeft() < PLAN.floodMs + 20_000) break;
        say(`${D}: ${s.name}: flood with ${n} neighbour${n === 1 ? "" : "s"} typing…`);
        figures.get(s.name)!.perN[n] = await flood(s, n, ++k);
      }
    for (const s of live.filter((x) => x.reopen)) {
      const ms: number[] = [];
      for (let i = 0; i < PLAN.restore && timeLeft() > 5000; i++) {
        const again = s.reopen!();
        await again.ready;
        ms.push(again.screenAt - again.opened);
        await again.close();
      }
      figures.get(s.name)!.restore = ms;
    }
    details.figures = Object.fromEntries(
      [...figures].map(([name, f]) => [
        name,
        {
          ...f,
          echo: summary(f.echo),
          restore: f.restore && summary(f.restore),
          perN: Object.fromEntries(
            Object.entries(f.perN).map(([n, x]) => [n, { ...x, quiet: summary(x.quiet), during: summary(x.during) }]),
          ),
        },
      ]),
    );
    return { rows: rowsOf(figures, wettyNa), details };
  } finally {
    await stopTerminalBench();
  }
}

function summary(xs: number[]) {
  return { p50: p(xs, 0.5), p99: p(xs, 0.99), max: p(xs, 1), n: xs.length };
}

/** One row per figure: ours as the value; wetty, the ratio and "before" (if run) in the note. */
function rowsOf(figures: Map<string, Figures>, wettyNa: string): Row[] {
  const ours = figures.get("ours")!;
  const wetty = figures.get("wetty");
  const old = figures.get("before");
  const rows: Row[] = [];
  const row = (
    metric: string,
    unit: string,
    get: (f: Figures) => number | undefined,
    target?: { text: string; met: (o: number, w: number | undefined) => boolean },
    show: (f: Figures) => string = (f) => `${get(f)}`,
  ) => {
    const o = get(ours);
    const w = wetty && get(wetty);
    const ratio = o !== undefined && w ? r2(o / w) : undefined;
    const note = [
      wetty ? `wetty ${w === undefined ? "n/a" : show(wetty)} ${unit}` : wettyNa,
      ratio !== undefined ? `ours/wetty ${ratio}×` : "",
      old && get(old) !== undefined ? `before ${show(old)} ${unit}` : "",
    ]
      .filter(Boolean)
      .join("; ");
    if (o === undefined) return rows.push({ driver: D, metric, unit: "", value: "n/a", note });
    rows.push({
      driver: D,
      metric,
      unit,
      value: show(ours),
      ...(target ? { target: target.text, met: target.met(o, w) } : {}),
      note,
    });
  };
  const q = (xs: number[] | undefined, at: number) => (xs && xs.length ? r2(quantile(xs, at)) : undefined);
  row("idle echo p50", "ms", (f) => q(f.echo, 0.5), {
    text: `≤ ${TARGET.echoX}× wetty`,
    met: (o, w) => w !== undefined && o <= TARGET.echoX * w,
  });
  row("idle echo p99", "ms", (f) => q(f.echo, 0.99), {
    text: `≤ ${TARGET.echoX}× wetty`,
    met: (o, w) => w !== undefined && o <= TARGET.echoX * w,
  });
  row("server RSS per idle session", "MB", (f) => f.idleSessionMb, {
    text: `≤ ${TARGET.idleSessionMb} MB`,
    met: (o) => o <= TARGET.idleSessionMb,
  });
  for (const n of PLAN.neighbours) {
    const at = (f: Figures) => f.perN[n];
    const x = (f: Figures) => {
      const v = at(f);
      return v ? r2(quantile(v.during, 0.99) / quantile(v.quiet, 0.99)) : undefined;
    };
    const pre = `${n} neighbour${n === 1 ? "" : "s"}:`;
    row(`${pre} flood throughput to the client`, "MB/s", (f) => at(f)?.mbPerS, {
      text: "≥ wetty",
      met: (o, w) => w !== undefined && o >= w,
    });
    row(`${pre} server CPU per MB delivered`, "ms", (f) => at(f)?.cpuMsPerMb, {
      text: "≤ wetty",
      met: (o, w) => w !== undefined && o <= w,
    });
    row(`${pre} server CPU during the flood`, "% of a core", (f) => at(f)?.cpuPct);
    row(
      `${pre} neighbour echo p99 during the flood ÷ quiet p99`,
      "×",
      x,
      { text: `≤ ${TARGET.neighbourX}×`, met: (o) => o <= TARGET.neighbourX },
      (f) => `${x(f)} (${q(at(f)?.during, 0.99)} / ${q(at(f)?.quiet, 0.99)} ms)`,
    );
    row(`${pre} server RSS growth during the flood`, "MB", (f) => at(f)?.growthMb, {
      text: `≤ ${TARGET.floodGrowthMb} MB`,
      met: (o) => o <= TARGET.floodGrowthMb,
    });
    row(`${pre} Ctrl-C → prompt after the flood`, "ms", (f) => at(f)?.ctrlCMs);
    const errors = [...figures].flatMap(([name, f]) => (at(f)?.errors ?? []).map((e) => `${name}: ${e}`));
    if (errors.length) rows.push({ driver: D, metric: `${pre} neighbour errors`, unit: "", error: errors.join(" | ") });
  }
  row("reconnect → restored screen p50", "ms", (f) => q(f.restore, 0.5));
  return rows;
}
