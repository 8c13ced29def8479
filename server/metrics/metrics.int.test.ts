import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, startTestLab, waitForResult, type TestLab } from "../test/lab.ts";

const TOKEN = "metrics-token-for-tests-0123456789abcdef";
let lab: TestLab;
let quiet: TestLab;

beforeAll(async () => {
  [lab, quiet] = await Promise.all([startTestLab({ METRICS_TOKEN: TOKEN }), startTestLab({})]);
});
afterAll(async () => {
  await Promise.all([lab?.close(), quiet?.close()]);
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/** The Prometheus text format (0.0.4), sample lines only; a malformed line fails the test. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const l of m![2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[l[1]!] = l[2]!;
    samples.push({ name: m![1]!, labels, value: Number(m![3]) });
  }
  return samples;
}

const scrape = async (l: TestLab, auth?: string) =>
  fetch(`${l.url}/api/metrics`, { headers: auth ? { authorization: auth } : {} });
const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((a, x) => a + x.value, 0);

describe("the lab's /api/metrics", () => {
  it("does not exist without METRICS_TOKEN, and wants the token when it is set", async () => {
    expect((await scrape(quiet, `Bearer ${TOKEN}`)).status).toBe(404);
    expect((await scrape(lab)).status).toBe(401);
    expect((await scrape(lab, `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(lab, TOKEN)).status).toBe(401);
  });

  it("counts requests by route template, a grading by kind, its queue wait, and live sandboxes", async () => {
    const c = await Client.signup(lab.url, "metrics");
    await c.json("POST", "/api/exercises/token-bucket/workspace", {});
    const { body } = await c.json<{ submission: { id: number } }>(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
    );
    await waitForResult(c, body.submission.id);
    const res = await scrape(lab, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const s = parse(await res.text());
    expect(
      value(s, "backlab_http_request_duration_seconds_count", {
        method: "POST",
        route: "/exercises/:id/submissions",
        status: "202",
      }),
    ).toBe(1);
    // Never the raw URL: ids would make a label per submission.
    expect(s.some((x) => /\/submissions\/\d/.test(x.labels.route ?? ""))).toBe(false);
    expect(value(s, "backlab_gradings_total", { status: "fail" })).toBe(1);
    expect(value(s, "backlab_grading_duration_seconds_count", { kind: "unit", status: "fail" })).toBe(1);
    expect(value(s, "backlab_grading_duration_seconds_sum", { kind: "unit" })).toBeGreaterThan(0);
    expect(value(s, "backlab_grading_queue_wait_seconds_count")).toBe(1);
    expect(value(s, "backlab_grading_queue_depth", { state: "queued" })).toBe(0);
    expect(value(s, "backlab_sandboxes_live", { driver: "bwrap" })).toBe(0);
    expect(value(s, "backlab_terminal_sessions")).toBe(0);
    expect(value(s, "backlab_process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
  });
});
