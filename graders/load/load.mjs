// Runs in the grader's sandbox, which shares the learner's service's loopback (see
// graders/load/grader.ts). argv[2]: the plan as JSON. Writes every number it measures to
// /grader/out/load.json; the host turns them into scored tests. Nothing here decides a score.
import fs from "node:fs";
import http from "node:http";
import autocannon from "autocannon";

const OUT = process.env.LOAD_OUT ?? "/grader/out/load.json";
const plan = JSON.parse(process.argv[2]);
const report = { calibration: [], target: null, counters: [], alive: null, error: null };
const save = () => fs.writeFileSync(OUT, JSON.stringify(report));

/** The numbers the host needs from an autocannon result (the whole result is large). */
function summary(r) {
  const completed = r.requests.total;
  return {
    duration_s: r.duration,
    completed,
    sent: r.requests.sent,
    rps: r.duration > 0 ? completed / r.duration : 0,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    status: { "1xx": r["1xx"], "2xx": r["2xx"], "3xx": r["3xx"], "4xx": r["4xx"], "5xx": r["5xx"] },
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

function cannon(opts) {
  return autocannon({ ...opts, connections: plan.connections, timeout: plan.requestTimeoutSeconds });
}

/**
 * How busy the machine is right now: a trivial server inside this sandbox, driven by
 * autocannon with the same connections. Its throughput is compared with the reference of
 * an idle machine on the host side.
 */
async function calibrate(seconds, { warmUp = false } = {}) {
  const server = http.createServer((_req, res) => res.end("ok"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  try {
    // A fresh process runs cold (JIT): its first second reads 2–10× slower than a warm one,
    // and 0.3 s of warm-up still left it 1.5–3× slower. Warm both sides up first; drop the numbers.
    if (warmUp) await cannon({ url, duration: plan.warmUpSeconds, sampleInt: 100 });
    const r = await cannon({ url, duration: seconds });
    report.calibration.push(summary(r));
  } finally {
    server.closeAllConnections();
    server.close();
  }
  save();
}

function dig(value, dotted) {
  let v = value;
  for (const key of dotted.split(".")) {
    if (v === null || typeof v !== "object" || !Object.hasOwn(v, key)) return { missing: key };
    v = v[key];
  }
  return { value: v };
}

async function readCounter(c) {
  try {
    const res = await fetch(plan.serviceUrl + c.url, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return { ...c, value: null, problem: `GET ${c.url} answered HTTP ${res.status}` };
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      return { ...c, value: null, problem: `GET ${c.url} did not answer JSON: ${text.slice(0, 80)}` };
    }
    const found = dig(json, c.field);
    if ("missing" in found) return { ...c, value: null, problem: `GET ${c.url} has no field "${c.field}"` };
    const n = typeof found.value === "string" && found.value.trim() !== "" ? Number(found.value) : found.value;
    if (typeof n !== "number" || !Number.isFinite(n))
      return {
        ...c,
        value: null,
        problem: `"${c.field}" from GET ${c.url} is not a number: ${JSON.stringify(found.value)?.slice(0, 80)}`,
      };
    return { ...c, value: n, problem: null };
  } catch (err) {
    return { ...c, value: null, problem: `GET ${c.url} failed: ${err?.cause?.code ?? err?.message ?? err}` };
  }
}

/** Does the service still answer at all after the load? Any HTTP status counts as alive. */
async function probe() {
  try {
    await fetch(plan.serviceUrl + plan.alivePath, { redirect: "manual", signal: AbortSignal.timeout(3000) });
    return { ok: true, why: null };
  } catch (err) {
    const why =
      err?.name === "TimeoutError"
        ? "it did not answer within 3 s"
        : `connecting failed: ${err?.cause?.code ?? err?.message ?? err}`;
    return { ok: false, why };
  }
}

try {
  await calibrate(plan.calibrationSeconds, { warmUp: true });
  const headers =
    plan.body === undefined
      ? {}
      : { "content-type": isJson(plan.body) ? "application/json" : "text/plain; charset=utf-8" };
  const r = await cannon({
    url: plan.serviceUrl + plan.path,
    method: plan.method,
    body: plan.body,
    headers,
    duration: plan.durationSeconds,
  });
  report.target = summary(r);
  save();
  report.alive = await probe();
  if (report.alive.ok) for (const c of plan.counters) report.counters.push(await readCounter(c));
  save();
  // Calibrated before and after: how busy the machine is can change during the run.
  await calibrate(plan.calibrationSeconds);
} catch (err) {
  report.error = err?.stack ?? String(err);
}
save();

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
