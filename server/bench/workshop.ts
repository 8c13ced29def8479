import fs from "node:fs";
import path from "node:path";
import { Database } from "../db/database.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import type { Row } from "./report.ts";
import { quantile, sleep } from "./stats.ts";
import { OursLink, PROMPT_AT_END, setDeadline } from "./termlink.ts";

/**
 * A workshop on this machine: learners join a cohort by its link, each with a live terminal
 * typing at human pace and submitting right (the reference) and wrong (the starter)
 * solutions about every `periodMs`, while the instructor's room listens over SSE and a
 * quiet learner measures keystroke echo against a baseline taken before the load. The real
 * lab (bwrap sandboxes, the default grading concurrency) runs in this process.
 */
export const WORKSHOP_PLAN = {
  learners: 30,
  exercise: "token-bucket",
  area: "code-patterns",
  periodMs: 120_000,
  loadMs: 150_000,
  drainMs: 90_000,
  typeEveryMs: 350,
  echo: 100,
  setupMs: 300_000,
};
const TARGET = { dashboardP95Ms: 1000, echoP99X: 2, maxWaitS: 60 };
const D = "workshop";
const KEYS = "xzqvjkw";

const r2 = (n: number) => Math.round(n * 100) / 100;
const p = (xs: number[], q: number) => r2(quantile(xs, q));

type Learner = { client: Client; link: OursLink; ws: number; submissions: number };

let running: { lab?: TestLab; links: OursLink[] } | null = null;

/** Stops what the workshop bench started (also on Ctrl-C of the bench): sockets, the lab and its mounts. */
export async function stopWorkshopBench(): Promise<void> {
  const r = running;
  running = null;
  if (!r) return;
  await Promise.allSettled(r.links.map((l) => l.close()));
  await r.lab?.close();
}

async function echoSamples(link: OursLink, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = KEYS[i % KEYS.length]!;
    link.clear();
    const t0 = performance.now();
    link.send(key);
    out.push((await link.until(key, `the echo of "${key}"`, 10_000)) - t0);
    link.clear();
    link.send("\x7f");
    await link.until("\b", "the echo of a backspace", 10_000);
    await sleep(50);
  }
  return out;
}

/** Replaces the workspace's src/ with a folder of the exercise (solution or starter) through the file API. */
async function put(l: Learner, dir: string): Promise<void> {
  for (const f of fs.readdirSync(path.join(dir, "src"))) {
    const url = `/api/workspaces/${l.ws}/files/content?path=${encodeURIComponent(`src/${f}`)}`;
    const cur = await l.client.request("GET", url);
    const etag = cur.headers.get("etag") ?? "";
    await cur.body?.cancel();
    const res = await l.client.request(
      "PUT",
      url,
      { content: fs.readFileSync(path.join(dir, "src", f), "utf8") },
      { "if-match": etag },
    );
    await res.body?.cancel();
    if (!res.ok) throw new Error(`saving src/${f} answered ${res.status}`);
  }
}

export async function workshopBench(
  say: (m: string) => void,
  plan = WORKSHOP_PLAN,
): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  setDeadline(performance.now() + plan.setupMs);
  let lab: TestLab | undefined;
  const learners: Learner[] = [];
  let quiet: OursLink | undefined;
  const stream = new AbortController();
  const live: { lab?: TestLab; links: OursLink[] } = { links: [] };
  running = live;
  try {
    // No per-workspace disk images: making 31 ext4 images is setup time, not what is measured here.
    lab = await startTestLab({ SANDBOXES_PER_USER: "2", SUBMISSIONS_PER_MINUTE: "10", WORKSPACE_QUOTA_MB: "0" });
    live.lab = lab;
    const exDir = path.join(
      path.dirname(new URL(import.meta.url).pathname),
      "..",
      "..",
      "exercises",
      plan.area,
      plan.exercise,
    );
    const db = new Database(path.join(lab.dataDir, "backlab.db"));
    const teacher = await Client.signup(lab.url, "instructor");
    db.run("UPDATE users SET role = 'instructor' WHERE display_name = 'instructor'");
    const created = await teacher.json<{ cohort: { id: number; joinCode: string } }>("POST", "/api/cohorts", {
      name: "Bench workshop",
      track: [plan.exercise],
      seats: plan.learners + 1,
    });
    const { id, joinCode } = created.body.cohort;
    await teacher.json("POST", `/api/cohorts/${id}/pacing`, { exercises: "all", action: "unlock" });

    const join = async (name: string): Promise<Learner> => {
      const client = await Client.signup(lab!.url, name);
      const j = await client.json("POST", "/api/cohort-joins", { code: joinCode });
      if (j.status !== 200) throw new Error(`join answered ${j.status}`);
      const ws = (
        await client.json<{ workspace: { id: number } }>("POST", `/api/exercises/${plan.exercise}/workspace`, {})
      ).body.workspace.id;
      const link = new OursLink(`${lab!.url.replace(/^http/, "ws")}/api/workspaces/${ws}/terminal`, {
        origin: lab!.url,
        cookie: client.cookie,
      });
      live.links.push(link);
      await link.ready;
      await link.until(PROMPT_AT_END, "a prompt", 30_000);
      return { client, link, ws, submissions: 0 };
    };

    // The quiet learner's echo on an otherwise idle lab first: the baseline.
    const q = await join("quiet");
    quiet = q.link;
    await echoSamples(quiet, 10);
    const idle = await echoSamples(quiet, plan.echo);
    say(`${D}: idle echo p50 ${p(idle, 0.5)} ms, p99 ${p(idle, 0.99)} ms`);

    // The instructor's room, as the dashboard hears it.
    const dashboard: number[] = [];
    const seen = new Set<number>();
    const finishedAt = (sid: number) =>
      Date.parse(
        db.get<{ finished_at: string }>("SELECT finished_at FROM submissions WHERE id = ?", [sid])?.finished_at ?? "",
      );
    const res = await fetch(`${lab.url}/api/cohorts/${id}/room/events`, {
      headers: { cookie: teacher.cookie },
      signal: stream.signal,
    });
    void (async () => {
      const reader = res.body!.getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        const at = Date.now();
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!block.startsWith("event: row")) continue;
          const row = (
            JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as {
              row: { cells: { latestSubmissionId: number | null; latestStatus: string | null }[] };
            }
          ).row;
          for (const c of row.cells) {
            if (
              !c.latestSubmissionId ||
              seen.has(c.latestSubmissionId) ||
              !["pass", "fail", "error"].includes(c.latestStatus ?? "")
            )
              continue;
            seen.add(c.latestSubmissionId);
            dashboard.push(at - finishedAt(c.latestSubmissionId));
          }
        }
      }
    })();

    say(`${D}: ${plan.learners} learners join and open their terminals…`);
    for (let i = 0; i < plan.learners; i += 6)
      learners.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(6, plan.learners - i) }, (_, k) => join(`learner${i + k}`)),
        )),
      );
    // Waits from here on are bounded by the load and the drain, however long the setup took.
    setDeadline(performance.now() + plan.loadMs + plan.drainMs + 60_000);

    // Load: typing everywhere, submissions spread over the period, samples every second.
    const t0 = performance.now();
    const until = t0 + plan.loadMs;
    let peakQueue = 0;
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakQueue = Math.max(
        peakQueue,
        db.get<{ n: number }>("SELECT count(*) AS n FROM submissions WHERE status = 'queued'")!.n,
      );
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 1000);
    const typing = learners.map(async (l, i) => {
      const line = `echo typing-${i}\r`;
      for (let k = 0; performance.now() < until; k++) {
        l.link.send(line[k % line.length]!);
        await sleep(plan.typeEveryMs * (0.6 + Math.random() * 0.8));
      }
    });
    const submitting = learners.map(async (l, i) => {
      await sleep((i / plan.learners) * plan.periodMs);
      while (performance.now() < until) {
        // Every other submission is right: learners alternate between the reference and the starter.
        await put(l, path.join(exDir, (i + l.submissions) % 2 === 0 ? "solution" : "starter"));
        const s = await l.client.json("POST", `/api/exercises/${plan.exercise}/submissions`, {});
        if (s.status !== 202) say(`${D}: a submission answered ${s.status}`);
        l.submissions++;
        await sleep(plan.periodMs);
      }
    });
    const echoLoad: number[] = [];
    const echoing = (async () => {
      await sleep(10_000);
      while (performance.now() < until - 5000) echoLoad.push(...(await echoSamples(quiet!, 20)));
    })();
    await Promise.all([...typing, ...submitting, echoing]);
    say(`${D}: load over; waiting for the queue to drain (at most ${plan.drainMs / 1000} s)…`);
    const drainUntil = performance.now() + plan.drainMs;
    while (
      performance.now() < drainUntil &&
      db.get<{ n: number }>("SELECT count(*) AS n FROM submissions WHERE status IN ('queued', 'running')")!.n > 0
    )
      await sleep(1000);
    await sleep(1500);
    clearInterval(sampler);

    const subs = db.all<{ created_at: string; started_at: string | null; status: string }>(
      "SELECT created_at, started_at, status FROM submissions",
    );
    const waits = subs
      .filter((s) => s.started_at)
      .map((s) => (Date.parse(s.started_at!) - Date.parse(s.created_at)) / 1000);
    const left = subs.filter((s) => s.status === "queued" || s.status === "running").length;
    db.close();
    const rows: Row[] = [
      {
        driver: D,
        metric: "dashboard event latency (graded → room SSE)",
        unit: "ms",
        p50: p(dashboard, 0.5),
        p95: p(dashboard, 0.95),
        n: dashboard.length,
        target: `p95 ≤ ${TARGET.dashboardP95Ms} ms`,
        met: dashboard.length > 0 && quantile(dashboard, 0.95) <= TARGET.dashboardP95Ms,
      },
      {
        driver: D,
        metric: "grading queue wait (202 → start)",
        unit: "s",
        p50: p(waits, 0.5),
        p95: p(waits, 0.95),
        n: waits.length,
        target: `max ≤ ${TARGET.maxWaitS} s`,
        met: left === 0 && Math.max(...waits) <= TARGET.maxWaitS,
        note: `max ${r2(Math.max(...waits))} s; peak queue ${peakQueue}; ${subs.length} submissions, ${left} still waiting or grading after the drain`,
      },
      {
        driver: D,
        metric: "quiet learner's echo, idle baseline",
        unit: "ms",
        p50: p(idle, 0.5),
        p95: p(idle, 0.99),
        n: idle.length,
        note: "p95 column: p99",
      },
      {
        driver: D,
        metric: "quiet learner's echo under the workshop",
        unit: "ms",
        p50: p(echoLoad, 0.5),
        p95: p(echoLoad, 0.99),
        n: echoLoad.length,
        target: `p99 ≤ ${TARGET.echoP99X}× idle`,
        met: echoLoad.length > 0 && quantile(echoLoad, 0.99) <= TARGET.echoP99X * quantile(idle, 0.99),
        note: `p95 column: p99; ${r2(quantile(echoLoad, 0.99) / quantile(idle, 0.99))}× idle`,
      },
      {
        driver: D,
        metric: "lab process RSS, peak (lab + bench clients, one process)",
        unit: "MB",
        value: Math.round(peakRss / 1024 / 1024),
      },
    ];
    return { rows, details: { plan, submissions: subs.length, peakQueue, leftAfterDrain: left } };
  } finally {
    stream.abort();
    await Promise.allSettled([...learners.map((l) => l.link.close()), quiet?.close()]);
    running = null;
    await lab?.close();
  }
}
