import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import type { Results } from "../results.ts";
import { grade } from "../run.ts";

// A service with a fast route, a slow one (a 50 ms "upstream" call per request, counted at
// /__stats; the first call fills a 160 MB "cache" and every 4th one fails) and one that dies
// under load.
const SERVER = `import http from "node:http";
let upstreamCalls = 0;
let served = 0;
const kept = [];
http.createServer((req, res) => {
  served++;
  if (req.url === "/healthz" || req.url === "/fast") return res.end('{"ok":true}');
  if (req.url === "/slow") {
    upstreamCalls++;
    while (kept.length < 160) kept.push(Buffer.alloc(1024 * 1024, 1));
    res.statusCode = upstreamCalls % 4 === 0 ? 500 : 200;
    return setTimeout(() => res.end("slow"), 50);
  }
  if (req.url === "/__stats") return res.end(JSON.stringify({ upstreamCalls, cache: { size: kept.length } }));
  if (req.url === "/die") {
    if (served > 100) {
      console.error("giving up after", served, "requests");
      process.exit(3);
    }
    return res.end("still here");
  }
  res.statusCode = 404;
  res.end();
}).listen(3000, "127.0.0.1", () => console.log("listening"));
`;

let root: string;
let n = 0;

function fixture(slug: string, steps: string[], wall = 30): Exercise {
  const dir = path.join(root, "exercises", "performance", slug);
  fs.mkdirSync(path.join(dir, "starter", "src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "solution"), { recursive: true });
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "starter", "src", "server.mjs"), SERVER);
  fs.writeFileSync(path.join(dir, "README.md"), "# fixture\n");
  fs.writeFileSync(
    path.join(dir, "exercise.yaml"),
    [
      `id: ${slug}`,
      "title: Fixture",
      "area: performance",
      "difficulty: beginner",
      "estimated_minutes: 5",
      "runtime: node20",
      "summary: A fixture for the load grader's own tests.",
      "service:",
      "  start: [node, src/server.mjs]",
      "  port: 3000",
      "  ready: { path: /healthz, timeout_seconds: 10 }",
      "grader:",
      "  steps:",
      ...steps.map((s) => `    - ${s}`),
      "limits:",
      `  wall_seconds: ${wall}`,
      "",
    ].join("\n"),
  );
  const loaded = loadExercise(dir, "performance", slug);
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-load-"));
  fs.chmodSync(root, 0o711);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const drivers: Record<string, () => Promise<SandboxDriver>> = {
  bwrap: () => openTestDriver("bwrap", { stateDir: root, labId: `load${process.pid}` }),
  docker: () => openTestDriver("docker", { stateDir: root, labId: `loadd${process.pid}` }),
};

const statuses = (r: Results) => r.tests.map((t) => [t.name, t.status]);

for (const [name, make] of Object.entries(drivers)) {
  describe(`the load grader on ${name}`, () => {
    let driver: SandboxDriver;
    const run = (exercise: Exercise): Promise<Results> =>
      grade({
        exercise,
        submissionDir: path.join(exercise.dir, "starter"),
        workDir: path.join(root, `run-${++n}`),
        driver,
        uid: 266_000 + n,
        name: `loadt-${process.pid}-${n}`,
      });

    beforeAll(async () => {
      driver = await make();
    }, 300_000);

    it("passes a fast route on every threshold, latency scaled by the calibration", async () => {
      const r = await run(
        fixture(`fast-${name}`, [
          "{ kind: load, name: Fast, path: /fast, connections: 10, duration_seconds: 1, points: 50, thresholds: { p50_ms: 100, p99_ms: 250, rps_min: 100, error_rate_max: 0.01, rss_mb_max: 200, counters: [{ url: /__stats, field: upstreamCalls, max: 0 }] } }",
        ]),
      );
      expect(statuses(r)).toEqual([
        ["GET /fast: p50 latency", "pass"],
        ["GET /fast: p99 latency", "pass"],
        ["GET /fast: throughput", "pass"],
        ["GET /fast: error rate", "pass"],
        ["GET /fast: peak memory", "pass"],
        ["GET /fast: upstreamCalls from /__stats", "pass"],
      ]);
      expect(r).toMatchObject({ status: "pass", score: 50, max_score: 50 });
      expect(r.tests.map((t) => t.max_points)).toEqual([8.33, 8.33, 8.33, 8.33, 8.33, 8.35]);
      expect(r.tests.every((t) => t.category === "performance")).toBe(true);
      const [p50, p99, rps, errors, memory, counter] = r.tests.map((t) => t.message);
      expect(p50).toMatch(/^p50 [\d.]+ ms ≤ [\d.]+ ms \(calibration ×\d+\.\d\)$/);
      expect(p99).toMatch(/^p99 [\d.]+ ms ≤ [\d.]+ ms \(calibration ×\d+\.\d\)$/);
      expect(rps).toMatch(/^throughput \d+ req\/s ≥ \d+ req\/s \(calibration ×\d+\.\d\)$/);
      expect(errors).toMatch(/^error rate 0\.0% ≤ 1\.0% \(0 of \d+ requests failed\)$/);
      expect(memory).toMatch(/^peak memory \d+ MB ≤ 200 MB/);
      expect(counter).toBe("upstreamCalls = 0 ≤ 0 (GET /__stats after the load)");
      expect(r.tests[0]!.output).toMatch(
        /GET \/fast, 10 connections.*responses.*\n.*p99.*\n2xx \d+.*\ncalibration \d+ and \d+ req\/s/s,
      );
      expect(r.tests[0]!.output!.length).toBeLessThanOrEqual(500);
    });

    it("fails the thresholds a slow, leaky and erroring route misses, with the measured values", async () => {
      const r = await run(
        fixture(`slow-${name}`, [
          // /slow takes 50 ms a request: 10 connections give at most ~200 req/s. The margins are
          // wide (×12 and more) so that no calibration factor of a busy machine lets it pass.
          "{ kind: load, name: Slow, path: /slow, category: functional, duration_seconds: 1, points: 40, thresholds: { p99_ms: 4, rps_min: 5000, error_rate_max: 0.05, rss_mb_max: 100, counters: [{ url: /__stats, field: upstreamCalls, max: 10 }, { url: /__stats, field: cache.size, max: 1000 }, { url: /__stats, field: cache.hits, max: 1 }] } }",
        ]),
      );
      expect(statuses(r)).toEqual([
        ["GET /slow: p99 latency", "fail"],
        ["GET /slow: throughput", "fail"],
        ["GET /slow: error rate", "fail"],
        ["GET /slow: peak memory", "fail"],
        ["GET /slow: upstreamCalls from /__stats", "fail"],
        ["GET /slow: cache.size from /__stats", "pass"],
        ["GET /slow: cache.hits from /__stats", "fail"],
      ]);
      // Only cache.size passes: 40 points over 7 tests.
      expect(r).toMatchObject({ status: "fail", score: 5.71, max_score: 40 });
      expect(r.tests.every((t) => t.category === "functional")).toBe(true);
      const m = r.tests.map((t) => t.message);
      expect(m[0]).toMatch(/^p99 \d+ ms > [\d.]+ ms \(calibration ×\d+\.\d\)$/);
      expect(Number(/p99 (\d+)/.exec(m[0]!)![1])).toBeGreaterThanOrEqual(50);
      expect(m[1]).toMatch(/^throughput \d+ req\/s < \d+ req\/s \(calibration ×\d+\.\d\)$/);
      expect(m[2]).toMatch(/^error rate 2\d\.\d+% > 5\.0% \(\d+ of \d+ requests failed: 5xx \d+\)$/);
      expect(m[3]).toMatch(/^peak memory \d+ MB > 100 MB/);
      expect(m[4]).toMatch(/^upstreamCalls = \d+ > 10 \(GET \/__stats after the load\)$/);
      expect(m[5]).toBe("cache.size = 160 ≤ 1000 (GET /__stats after the load)");
      expect(m[6]).toBe('cache.hits from GET /__stats: GET /__stats has no field "cache.hits"');
    });

    it("fails every test with the reason and the service's output when the service dies under load", async () => {
      const r = await run(
        fixture(`die-${name}`, [
          "{ kind: load, name: Dies, path: /die, duration_seconds: 1, points: 10, thresholds: { p99_ms: 1000, error_rate_max: 0.5 } }",
        ]),
      );
      expect(statuses(r)).toEqual([
        ["GET /die: p99 latency", "fail"],
        ["GET /die: error rate", "fail"],
      ]);
      for (const t of r.tests) {
        expect(t.message).toMatch(
          /^Your service stopped answering during the load test: after 1 s of GET \/die, connecting failed: ECONNREFUSED\.$/,
        );
        expect(t.output).toMatch(/giving up after \d+ requests/);
      }
      expect(r.message).toMatch(/stopped answering.*Service output \(end\):.*giving up after/s);
    });

    it("says so when the time limit leaves no room for the load after the boot", async () => {
      const r = await run(
        fixture(
          `late-${name}`,
          ["{ kind: load, name: Late, path: /fast, duration_seconds: 5, points: 10, thresholds: { p99_ms: 100 } }"],
          6,
        ),
      );
      expect(r).toMatchObject({ status: "fail", score: 0 });
      expect(r.tests[0]!.message).toMatch(
        /^Not run: the time limit of 6 s covers booting your service, calibration and the load test; booting took [\d.]+ s and left [\d.]+ s, the load test needs about 11 s\.$/,
      );
    });
  });
}
