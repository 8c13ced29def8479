import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import { grade } from "../run.ts";

// `instances: 2` in a service step: two processes of the learner's service in one sandbox,
// on port and port + 1, with the same env; the hidden tests get both in SERVICE_URLS.
const SERVER = `import http from "node:http";
const started = Date.now() + Math.random();
http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ port: Number(process.env.PORT), shared: process.env.SHARED, started }));
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

const HIDDEN = `import { it, expect } from "vitest";
it("reaches two instances", async () => {
  const urls = process.env.SERVICE_URLS.split(",");
  expect(urls).toEqual(["http://127.0.0.1:3000", "http://127.0.0.1:3001"]);
  expect(process.env.SERVICE_URL).toBe(urls[0]);
  const [a, b] = await Promise.all(urls.map(async (u) => (await fetch(u + "/healthz")).json()));
  expect([a.port, b.port]).toEqual([3000, 3001]);
  expect([a.shared, b.shared]).toEqual(["yes", "yes"]);
  expect(a.started).not.toBe(b.started);
});
`;

let root: string;
let driver: SandboxDriver;

function fixture(slug: string, start: string) {
  const dir = path.join(root, "exercises", "performance", slug);
  fs.mkdirSync(path.join(dir, "starter", "src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  fs.mkdirSync(path.join(dir, "solution"), { recursive: true });
  fs.writeFileSync(path.join(dir, "starter", "package.json"), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(dir, "starter", "src", "server.mjs"), SERVER);
  fs.writeFileSync(path.join(dir, "tests", "two.test.ts"), HIDDEN);
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
      "summary: A fixture for the service grader's instances.",
      "service:",
      `  start: ${start}`,
      "  port: 3000",
      "  ready: { path: /healthz, timeout_seconds: 30 }",
      "  env: { SHARED: 'yes' }",
      "grader:",
      "  steps:",
      "    - { kind: service, name: Two instances, tests: tests, instances: 2, points: 10 }",
      "limits:",
      "  wall_seconds: 120",
      "",
    ].join("\n"),
  );
  const loaded = loadExercise(dir, "performance", slug);
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-instances-"));
  fs.chmodSync(root, 0o711);
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `inst${process.pid}` });
}, 300_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("a service step with instances: 2", () => {
  const run = (slug: string, start: string, n: number) => {
    const exercise = fixture(slug, start);
    return grade({
      exercise,
      submissionDir: path.join(exercise.dir, "starter"),
      workDir: path.join(root, `run-${n}`),
      driver,
      uid: 266_000 + n,
      name: `inst-${process.pid}-${n}`,
    });
  };

  it("boots two processes of the service, on port and port + 1, with the same env", async () => {
    const r = await run("two", "[node, src/server.mjs]", 1);
    expect(r.tests.map((t) => [t.name, t.status, t.message])).toEqual([["reaches two instances", "pass", null]]);
  });

  it("fails the step, naming the instance, when the second one never becomes ready", async () => {
    // Only the first instance listens: the second exits at once.
    const r = await run(
      "one",
      `["/bin/sh", "-c", "[ $PORT = 3000 ] && exec node src/server.mjs; echo second refuses; exit 3"]`,
      2,
    );
    expect(r.status).toBe("fail");
    expect(r.tests[0]!.message).toMatch(
      /^Instance 2 of 2: Your service did not become ready on port 3001.*exited with code 3/s,
    );
  });
});
