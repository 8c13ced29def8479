import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCatalog, loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import type { Results } from "../results.ts";
import { grade } from "../run.ts";

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

let root: string;
let driver: SandboxDriver;
let uid = 260_000;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-grader-"));
  fs.chmodSync(root, 0o711);
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `g${process.pid}` });
  expect(await driver.available()).toMatchObject({ ok: true });
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const run = (exercise: Exercise, submissionDir: string): Promise<Results> =>
  grade({
    exercise,
    submissionDir,
    workDir: path.join(root, `run-${++n}`),
    driver,
    uid: ++uid,
    name: `gt-${process.pid}-${n}`,
  });

/** A throwaway exercise: one learner module and one hidden test file. */
function fixture(slug: string, learner: string, hidden: string, wallSeconds = 20): Exercise {
  const dir = path.join(root, "exercises", "testing", slug);
  fs.mkdirSync(path.join(dir, "starter", "src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "solution"), { recursive: true });
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "starter", "src", "mod.ts"), learner);
  fs.writeFileSync(path.join(dir, "tests", "mod.test.ts"), hidden);
  fs.writeFileSync(path.join(dir, "README.md"), "# fixture\n");
  fs.writeFileSync(
    path.join(dir, "exercise.yaml"),
    [
      `id: ${slug}`,
      "title: Fixture",
      "area: testing",
      "difficulty: beginner",
      "estimated_minutes: 5",
      "runtime: node20",
      "summary: A fixture for the grader's own tests.",
      "grader:",
      "  steps:",
      "    - { kind: unit, name: Hidden tests, points: 30 }",
      "limits:",
      `  wall_seconds: ${wallSeconds}`,
      "",
    ].join("\n"),
  );
  const loaded = loadExercise(dir, "testing", slug);
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

describe("every exercise in the catalog", () => {
  const catalog = loadCatalog(path.join(ROOT_DIR, "exercises"));

  it("loads without problems", () => {
    expect(catalog.problems).toEqual([]);
    expect(catalog.exercises.size).toBeGreaterThan(0);
  });

  // Grading every exercise's reference and starter is `backlab exercise validate --all`,
  // which `npm test` runs after the suites (graders/authoring.ts).
});

describe("the unit grader", () => {
  it("splits points over the tests in file order and reports each failure's message", async () => {
    const ex = fixture(
      "points",
      "export const add = (a: number, b: number) => a - b;\n",
      `import { it, expect } from "vitest";\nimport { add } from "@workspace/src/mod.ts";\nit("first", () => { console.log("from first"); expect(1).toBe(1); });\nit("second", () => expect(add(2, 2), "2 + 2").toBe(4));\nit("third", () => expect(true).toBe(true));\n`,
    );
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(r.tests.map((t) => [t.name, t.status, t.points, t.max_points])).toEqual([
      ["first", "pass", 10, 10],
      ["second", "fail", 0, 10],
      ["third", "pass", 10, 10],
    ]);
    expect(r.tests[0]!.output).toContain("from first");
    expect(r.tests[1]!.message).toMatch(/2 \+ 2/);
    expect(r).toMatchObject({ status: "fail", score: 20, max_score: 30, version: 3 });
  });

  it("says where the time went: copy-in, the sandbox, vitest's start-up, each test file, teardown", async () => {
    const ex = fixture(
      "timing",
      "export const one = 1;\n",
      `import { it, expect } from "vitest";\nimport { one } from "@workspace/src/mod.ts";\nit("waits", async () => { await new Promise((r) => setTimeout(r, 300)); expect(one).toBe(1); });\n`,
    );
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(r.status).toBe("pass");
    const phases = r.timing!.phases;
    const one = (name: string) => phases.filter((p) => p.phase === name);
    expect(phases.map((p) => p.phase)).toEqual(
      expect.arrayContaining([
        "step",
        "copy-in",
        "sandbox-create",
        "vitest",
        "vitest-start",
        "test-file",
        "sandbox-stop",
        "teardown",
      ]),
    );
    expect(one("test-file")).toEqual([expect.objectContaining({ label: "tests/mod.test.ts", step: 0 })]);
    const [file, vitest, step] = [one("test-file")[0]!, one("vitest")[0]!, one("step")[0]!];
    // The file's 300 ms wait is in it; it lies inside the vitest run, which lies inside the step.
    expect(file.ms).toBeGreaterThanOrEqual(290);
    expect(file.start_ms).toBeGreaterThanOrEqual(vitest.start_ms);
    expect(file.start_ms + file.ms).toBeLessThanOrEqual(vitest.start_ms + vitest.ms);
    expect(vitest.start_ms + vitest.ms).toBeLessThanOrEqual(step.start_ms + step.ms);
    expect(one("teardown")[0]!.start_ms).toBeGreaterThanOrEqual(step.start_ms + step.ms);
    expect(r.duration_ms).toBeGreaterThanOrEqual(one("teardown")[0]!.start_ms);
  });

  it("reports code that loops forever as a timeout, naming the test that was running", async () => {
    const ex = fixture(
      "loop",
      "export function spin(): number { for (;;) {} }\n",
      `import { it, expect } from "vitest";\nimport { spin } from "@workspace/src/mod.ts";\nit("quick", () => expect(1).toBe(1));\nit("spins", () => expect(spin()).toBe(1));\nit("after", () => expect(1).toBe(1));\n`,
      10,
    );
    const t0 = Date.now();
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(Date.now() - t0).toBeLessThan(25_000);
    expect(r.status).toBe("fail");
    expect(r.message).toMatch(/time limit of 10 s/);
    const byName = Object.fromEntries(r.tests.map((t) => [t.name, t]));
    expect(byName.quick?.status).toBe("pass");
    expect(byName.spins?.message).toMatch(/Timed out: this test was still running/);
    expect(byName.after?.message).toMatch(/Not run/);
  });

  it("caps what a test prints and keeps grading", async () => {
    const ex = fixture(
      "flood",
      "export function noisy() { for (let i = 0; i < 20000; i++) console.log('x'.repeat(200)); process.stdout.write('y'.repeat(3_000_000)); return 1; }\n",
      `import { it, expect } from "vitest";\nimport { noisy } from "@workspace/src/mod.ts";\nit("noisy", () => expect(noisy()).toBe(1));\nit("quiet", () => expect(2).toBe(2));\n`,
    );
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(r.tests.length).toBeGreaterThan(0);
    for (const t of r.tests) expect((t.output ?? "").length).toBeLessThanOrEqual(500);
    expect(JSON.stringify(r).length).toBeLessThan(20_000);
  });

  it("grades a submission whose code does not compile as a fail with the reason, not a grader error", async () => {
    const ex = fixture(
      "broken",
      "export const x = ;\n",
      `import { it, expect } from "vitest";\nimport { x } from "@workspace/src/mod.ts";\nit("x", () => expect(x).toBe(1));\n`,
    );
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(r.status).toBe("fail");
    expect(r.max_score).toBe(30);
    expect(r.score).toBe(0);
    expect(r.message).toMatch(/could not run against your code|mod\.ts|Transform failed|Expected/i);
  });

  it("never reads a link or a FIFO the submission plants in the grader's out folder", async () => {
    const ex = fixture(
      "plant",
      `import fs from "node:fs";
import { execFileSync } from "node:child_process";
for (const f of ["/grader/out/results.ndjson", "/grader/out/progress.ndjson"]) fs.rmSync(f, { force: true });
fs.symlinkSync("/etc/shadow", "/grader/out/results.ndjson");
execFileSync("mkfifo", ["/grader/out/progress.ndjson"]);
export const x = 1;
`,
      `import { it, expect } from "vitest";
import { x } from "@workspace/src/mod.ts";
it("x", () => expect(x).toBe(1));
`,
      8,
    );
    const t0 = Date.now();
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(JSON.stringify(r)).not.toMatch(/root:/);
    expect(r.status).not.toBe("pass");
  });

  // One worker runs all the hidden test files (vitest.config.mjs `isolate: false`).
  it("loads a dependency that assigns inherited names on its own prototypes (protobufjs), under the frozen realm", async () => {
    // shield.mjs freezes Object.prototype with SES-style override accessors, so a dependency's
    // `Foo.prototype.toString = …` still works; a bare freeze before it (the runner's, once)
    // made such a module throw on load.
    const exercise = fixture(
      "frozen-realm-deps",
      "export const one = 1;\n",
      `import { it, expect } from "vitest";\nimport protobuf from "protobufjs";\nimport { one } from "@workspace/src/mod.ts";\nit("loads", () => { const t = new protobuf.Type("M").add(new protobuf.Field("a", 1, "int32")); expect(String(t)).toBe("Type M"); expect(Object.isFrozen(Object.prototype)).toBe(true); expect(one).toBe(1); });\n`,
    );
    const r = await run(exercise, path.join(exercise.dir, "starter"));
    expect(r.tests.map((t) => [t.name, t.status, t.message])).toEqual([["loads", "pass", null]]);
  });

  it("runs expect's asymmetric matchers under the frozen realm, and they still fail when they should", async () => {
    // chai keeps a flag on `this` when `expect.any(String)` is called, and `this` is the frozen
    // expect: shield.mjs hands it a fresh flags object at each read, kept by no one.
    const hidden = [
      `import { it, expect } from "vitest";`,
      `import { item } from "@workspace/src/mod.ts";`,
      `it("any", () => expect(item).toMatchObject({ sku: expect.any(String), n: expect.anything() }));`,
      `it("containing", () => expect(item).toEqual(expect.objectContaining({ sku: expect.stringMatching(/^S/), tags: expect.arrayContaining(["b"]) })));`,
      `it("not", () => expect(item.sku).toEqual(expect.not.stringContaining("z")));`,
      `it("closeTo", () => expect(item.p).toEqual(expect.closeTo(0.3)));`,
      `it("flags do not stick", () => { expect.__flags.negate = true; expect(expect.__flags.negate).toBe(undefined); expect(1).toBe(1); });`,
      `it("a wrong type fails", () => expect(item).toMatchObject({ n: expect.any(String) }));`,
    ].join("\n");
    const exercise = fixture(
      "asymmetric",
      `export const item = { sku: "S-1", n: 2, tags: ["a", "b"], p: 0.1 + 0.2 };\n`,
      hidden,
    );
    const r = await run(exercise, path.join(exercise.dir, "starter"));
    expect(r.tests.map((t) => [t.name, t.status])).toEqual([
      ["any", "pass"],
      ["containing", "pass"],
      ["not", "pass"],
      ["closeTo", "pass"],
      ["flags do not stick", "pass"],
      ["a wrong type fails", "fail"],
    ]);
    expect(r.tests[5]!.message).not.toMatch(/__flags|extensible/);
  });

  it("gives each hidden test file fresh modules, as a process of its own would", async () => {
    const hidden = (name: string) =>
      `import { it, expect } from "vitest";\nimport { next } from "@workspace/src/mod.ts";\nit("${name}", () => expect(next()).toBe(1));\n`;
    const ex = fixture("fresh", "let calls = 0;\nexport const next = () => ++calls;\n", hidden("first in a"));
    fs.writeFileSync(path.join(ex.dir, "tests", "other.test.ts"), hidden("first in b"));
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(r.tests.map((t) => [t.name, t.status])).toEqual([
      ["first in a", "pass"],
      ["first in b", "pass"],
    ]);
  });

  it("keeps the worker locked for the later test files: the submission's patches fail there too", async () => {
    // The submission's module is evaluated again for each file (fresh modules); each time it
    // tries to patch chai's assertion core and Object.is, and says whether that took.
    const ex = fixture(
      "locked",
      `const chai = (globalThis as Record<string, any>).__vitest_index__?.chai;
const tries = [
  () => { chai.Assertion.prototype.assert = function () {}; },
  () => { Object.defineProperty(chai.Assertion.prototype, "assert", { value: function () {} }); },
  () => { Object.is = () => true; },
];
export const patched = tries.filter((t) => { try { t(); return true; } catch { return false; } }).length;
`,
      `import { it, expect } from "vitest";\nimport { patched } from "@workspace/src/mod.ts";\nit("first file", () => expect(patched).toBe(0));\n`,
    );
    fs.writeFileSync(
      path.join(ex.dir, "tests", "z-later.test.ts"),
      `import { it, expect } from "vitest";\nimport { patched } from "@workspace/src/mod.ts";\nit("later file", () => expect(patched).toBe(0));\n`,
    );
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(r.tests.map((t) => [t.name, t.status])).toEqual([
      ["first file", "pass"],
      ["later file", "pass"],
    ]);
  });

  it("never lets a submission read the exercise's solution or another workspace", async () => {
    const ex = fixture(
      "peek",
      `import fs from "node:fs";\nexport const seen = () => ["/exercises", "/work", "/root", "/grader/out"].filter((p) => { try { fs.readdirSync(p); return true; } catch { return false; } });\n`,
      `import { it, expect } from "vitest";\nimport { seen } from "@workspace/src/mod.ts";\nit("sees none of them", () => expect(seen()).toEqual([]));\n`,
    );
    const r = await run(ex, path.join(ex.dir, "starter"));
    expect(r.tests[0]).toMatchObject({ status: "pass" });
  });
});
