import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import { grade } from "../run.ts";

const VULNERABLE = `import express from "express";
const app = express();
app.get("/", (_req, res) => { res.type("html").send("<h1>Search</h1>"); });
app.get("/search", (req, res) => { res.type("html").send("<p>Results for " + String(req.query.q ?? "") + "</p>"); });
app.listen(3000, "127.0.0.1");
`;

const FIXED = `import express from "express";
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const app = express();
app.use((_req, res, next) => {
  res.set({ "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY" });
  next();
});
app.get("/", (_req, res) => { res.type("html").send("<h1>Search</h1>"); });
app.get("/search", (req, res) => { res.type("html").send("<p>Results for " + esc(String(req.query.q ?? "")) + "</p>"); });
app.listen(3000, "127.0.0.1");
`;

let root: string;
let driver: SandboxDriver;
let exercise: Exercise;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-security-"));
  fs.chmodSync(root, 0o711);
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `sec${process.pid}` });
  const dir = path.join(root, "exercises", "security", "search-page");
  for (const [which, code] of [
    ["starter", VULNERABLE],
    ["solution", FIXED],
  ] as const) {
    fs.mkdirSync(path.join(dir, which, "src"), { recursive: true });
    fs.writeFileSync(path.join(dir, which, "src", "server.ts"), code);
  }
  fs.writeFileSync(path.join(dir, "README.md"), "# fixture\n");
  fs.writeFileSync(
    path.join(dir, "exercise.yaml"),
    [
      "id: search-page",
      "title: Fixture",
      "area: security",
      "difficulty: beginner",
      "estimated_minutes: 5",
      "runtime: node20",
      "summary: A fixture for the security grader's own tests.",
      "service: { start: [tsx, src/server.ts], port: 3000, ready: { path: /, timeout_seconds: 10 } }",
      "grader:",
      "  steps:",
      "    - kind: security",
      "      name: Attacks",
      "      points: 20",
      "      probes:",
      '        - { probe: xss-reflected, request: { path: "/search?q={payload}" } }',
      "        - { probe: security-headers }",
      "limits: { wall_seconds: 40 }",
      "",
    ].join("\n"),
  );
  const loaded = loadExercise(dir, "security", "search-page");
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  exercise = loaded.exercise;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
const run = (which: string) =>
  grade({
    exercise,
    submissionDir: path.join(exercise.dir, which),
    workDir: path.join(root, `run-${++n}`),
    driver,
    uid: 266_000 + n,
    name: `sect-${process.pid}-${n}`,
  });

describe("the security grader", () => {
  it("finds the planted flaws in the vulnerable service and none in the fixed one, one scored test per probe", async () => {
    const bad = await run("starter");
    expect(bad.tests.map((t) => [t.name, t.status, t.category])).toEqual([
      [expect.stringMatching(/cross-site scripting.*A05:2025.*CWE-79/i), "fail", "security"],
      [expect.stringMatching(/header.*A02:2025.*CWE-693/i), "fail", "security"],
    ]);
    expect(bad.tests[0]!.message).toMatch(/script|escape|<|payload/i);
    expect(bad).toMatchObject({ status: "fail", score: 0, max_score: 20 });

    const good = await run("solution");
    expect(good.tests.map((t) => t.status)).toEqual(["pass", "pass"]);
    expect(good).toMatchObject({ status: "pass", score: 20, max_score: 20 });
  });

  it("rejects an exercise whose probe parameters are wrong, naming the field", () => {
    const dir = path.join(exercise.dir);
    const yaml = fs.readFileSync(path.join(dir, "exercise.yaml"), "utf8");
    fs.writeFileSync(
      path.join(dir, "exercise.yaml"),
      yaml.replace('{ probe: xss-reflected, request: { path: "/search?q={payload}" } }', "{ probe: xss-reflected }"),
    );
    const loaded = loadExercise(dir, "security", "search-page");
    fs.writeFileSync(path.join(dir, "exercise.yaml"), yaml);
    expect("problems" in loaded && loaded.problems[0]!.field).toMatch(/^grader\.steps\.0\.probes\.0/);
  });
});
