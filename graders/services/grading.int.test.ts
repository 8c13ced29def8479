/**
 * A grading of an exercise that declares `services: [postgres]`, on bwrap: the learner's
 * service and the hidden tests both reach a PostgreSQL of this grading (DATABASE_URL), and a
 * second grading starts from an empty one.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import { grade } from "../run.ts";

// The service writes a row at start; /healthz answers only once it is in.
const SERVER = `import express from "express";
import { execFileSync } from "node:child_process";
const psql = (sql) => execFileSync("psql", [process.env.DATABASE_URL, "-Atqc", sql], { encoding: "utf8" }).trim();
psql("create table visits (n int); insert into visits values (1)");
const app = express();
app.get("/healthz", (_req, res) => res.json({ visits: Number(psql("select count(*) from visits")) }));
app.listen(3000, "127.0.0.1");
`;

const HIDDEN = `import { execFileSync } from "node:child_process";
import { it, expect } from "vitest";
it("the service's database is this grading's, with one visit", async () => {
  expect(await (await fetch(process.env.SERVICE_URL + "/healthz")).json()).toEqual({ visits: 1 });
});
it("the hidden tests reach the same server", () => {
  const out = execFileSync("psql", [process.env.DATABASE_URL, "-Atqc", "select count(*) from visits"], { encoding: "utf8" });
  expect(out.trim()).toBe("1");
});
`;

let root: string;
let driver: SandboxDriver;
let exercise: Exercise;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-svcpg-"));
  fs.chmodSync(root, 0o711);
  const dir = path.join(root, "databases", "visits");
  for (const d of ["starter/src", "solution", "tests"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, "starter", "package.json"), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(dir, "starter", "src", "server.mjs"), SERVER);
  fs.writeFileSync(path.join(dir, "tests", "db.test.ts"), HIDDEN);
  fs.writeFileSync(path.join(dir, "README.md"), "# fixture\n");
  fs.writeFileSync(
    path.join(dir, "exercise.yaml"),
    [
      "id: visits",
      "title: Fixture",
      "area: databases",
      "difficulty: beginner",
      "estimated_minutes: 5",
      "runtime: node20",
      "summary: A fixture for the backing services' own tests.",
      "services: [postgres]",
      "service:",
      "  start: [node, src/server.mjs]",
      "  port: 3000",
      "  ready: { path: /healthz, status: 200, timeout_seconds: 30 }",
      "grader:",
      "  steps:",
      "    - { kind: service, name: DB tests, tests: tests, points: 20 }",
      "limits: { wall_seconds: 90, tmp_mb: 128 }",
      "",
    ].join("\n"),
  );
  const loaded = loadExercise(dir, "databases", "visits");
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  exercise = loaded.exercise;
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `spg${process.pid}` });
}, 120_000);
afterAll(async () => {
  await driver?.reap();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a grading with services: [postgres] on bwrap", () => {
  it("gives the service and the hidden tests one fresh PostgreSQL per grading", async () => {
    for (const n of [1, 2]) {
      const results = await grade({
        exercise,
        submissionDir: path.join(exercise.dir, "starter"),
        workDir: path.join(root, `run-${n}`),
        driver,
        uid: 285_000 + n,
        name: `spg-${process.pid}-${n}`,
      });
      expect(results.tests.map((t) => [t.name, t.status, t.message])).toEqual([
        [expect.stringMatching(/one visit/), "pass", null],
        [expect.stringMatching(/same server/), "pass", null],
      ]);
      expect(results.timing?.phases.some((p) => p.phase === "services" && p.label === "postgres")).toBe(true);
    }
  }, 180_000);
});
