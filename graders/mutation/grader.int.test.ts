import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import type { Results } from "../results.ts";
import { grade, type GradeProgress } from "../run.ts";

/**
 * Golden fixtures, as Exercism's test runners keep them: each folder of fixtures/ is a tiny
 * exercise (a 6-line module, its reference in solution/, mutants in mutants/), its
 * `submission/` holds the learner's tests, and `expected.json` is the results without the
 * timings. Real bubblewrap sandboxes, as in graders/unit/grader.int.test.ts.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

let root: string;
let driver: SandboxDriver;
let uid = 270_000;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-mutation-"));
  fs.chmodSync(root, 0o711);
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `m${process.pid}` });
  expect(await driver.available()).toMatchObject({ ok: true });
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const run = (exercise: Exercise, submissionDir: string, onProgress?: (e: GradeProgress) => void): Promise<Results> =>
  grade({
    exercise,
    submissionDir,
    workDir: path.join(root, `run-${++n}`),
    driver,
    uid: ++uid,
    name: `mt-${process.pid}-${n}`,
    onProgress,
  });

function load(dir: string, slug: string): Exercise {
  const loaded = loadExercise(dir, "testing", slug);
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

/** A copy of a fixture in the scratch folder, to change without touching the golden one. */
function copyFixture(slug: string, edit: (dir: string) => void = () => {}): string {
  const dir = path.join(root, `fixture-${++n}`, slug);
  fs.cpSync(path.join(FIXTURES, slug), dir, { recursive: true });
  edit(dir);
  return dir;
}

/** The results minus what varies from run to run. */
function stable(r: Results): unknown {
  const { duration_ms: _d, timing: _timing, ...rest } = r;
  return { ...rest, tests: r.tests.map(({ duration_ms: _t, output: _o, ...t }) => t) };
}

describe("mutation grader golden fixtures", () => {
  for (const slug of fs.readdirSync(FIXTURES).sort()) {
    it(`${slug}: grades submission/ as expected.json says`, async () => {
      const dir = path.join(FIXTURES, slug);
      const progress: GradeProgress[] = [];
      const r = await run(load(dir, slug), path.join(dir, "submission"), (e) => progress.push(e));
      const expected: unknown = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
      expect(stable(r)).toEqual(expected);
      for (const t of r.tests) expect(t.output).toBeNull();
      // Live progress: one event per mutant, as it is decided.
      expect(progress.flatMap((e) => (e.type === "test" ? [[e.name, e.status]] : []))).toEqual(
        r.tests.map((t) => [t.name, t.status]),
      );
    });
  }
});

describe("the mutation grader", () => {
  it("reports a missing mutants folder as the grader's error", async () => {
    const dir = copyFixture("pass");
    const exercise = load(dir, "pass");
    fs.rmSync(path.join(dir, "mutants"), { recursive: true });
    const r = await run(exercise, path.join(dir, "submission"));
    expect(r).toMatchObject({
      status: "error",
      tests: [],
      score: 0,
      max_score: 30,
      message: 'The grader could not run: the mutants folder "mutants" does not exist in the exercise',
    });
  });

  it("reports a mutant that overlays no file of the reference as the grader's error", async () => {
    const dir = copyFixture("pass", (d) =>
      fs.renameSync(path.join(d, "mutants", "negative", "src"), path.join(d, "mutants", "negative", "lib")),
    );
    const r = await run(load(dir, "pass"), path.join(dir, "submission"));
    expect(r).toMatchObject({
      status: "error",
      message: expect.stringMatching(
        /mutant "negative" overlays lib\/discount\.js, which is not a file of the reference/,
      ),
    });
  });

  it("fails every mutant when the learner wrote no tests", async () => {
    const dir = copyFixture("pass", (d) => fs.rmSync(path.join(d, "submission", "test"), { recursive: true }));
    const r = await run(load(dir, "pass"), path.join(dir, "submission"));
    expect(r.status).toBe("fail");
    expect(r.tests.map((t) => t.message)).toEqual(
      Array(3).fill(
        "No tests found: your workspace has no test/ folder. Write your tests there, in files named *.test.ts.",
      ),
    );
  });

  it("never shows a mutant's code, even to tests that print it or put it in their names", async () => {
    const dir = copyFixture("pass", (d) => {
      for (const m of ["everyone", "negative"]) fs.rmSync(path.join(d, "mutants", m), { recursive: true });
      fs.writeFileSync(
        path.join(d, "submission", "test", "leak.test.js"),
        // Neither the code under test's files nor a function's text reach the learner's tests
        // (issue 23: String(fn) is a native-code stub, so the test passes on the reference and
        // on every mutant); what the code returns does, and a test's name may depend on it.
        `import { it } from "vitest";\nimport { discounted } from "../src/discount.js";\nconst src = String(discounted);\nconst out = discounted(100, true);\nit(\`leak \${src} \${out}\`, () => { console.log(src); if (src.includes("total")) throw new Error(src); if (src !== "function discounted() { [native code] }") throw new Error(src); if (out !== 90) throw new Error("not 90"); });\n`,
      );
    });
    const listing = (d: string) => fs.readdirSync(d, { recursive: true, encoding: "utf8" }).sort();
    const before = listing(path.join(dir, "submission"));
    const r = await run(load(dir, "pass"), path.join(dir, "submission"));
    expect(listing(path.join(dir, "submission"))).toEqual(before);
    expect(r.score).toBe(30);
    const text = JSON.stringify(r);
    for (const code of ["total > 100", "(total, _loyal)", "Number.isFinite"]) expect(text).not.toContain(code);
    // On the off-by-one mutant the leak test's name carries the mutant's answer (100, not 90) and
    // it fails: a kill by a test the reference never ran under that name, counted, never named.
    expect(r.tests.find((t) => t.name === "Mutant: off-by-one in the discount threshold")?.message).toBe(
      "Killed: “discounted > gives loyal customers 10% off at exactly 100” failed on this mutant, and 1 test whose name changed with the mutant's code (not shown).",
    );
  });

  it("stops at the wall time: a mutant cut short is not finished, the rest are not run", async () => {
    const dir = copyFixture("fail", (d) => {
      fs.renameSync(path.join(d, "mutants", "loop"), path.join(d, "mutants", "a-loop"));
      fs.writeFileSync(
        path.join(d, "exercise.yaml"),
        fs.readFileSync(path.join(d, "exercise.yaml"), "utf8").replace("wall_seconds: 60", "wall_seconds: 6"),
      );
    });
    const t0 = Date.now();
    const r = await run(load(dir, "fail"), path.join(dir, "submission"));
    expect(Date.now() - t0).toBeLessThan(12_000);
    expect(r.tests.map((t) => t.name)).toEqual([
      "Mutant: never returns for a discounted order",
      "Mutant: the discount goes to every customer, loyal or not",
      "Mutant: negative",
      "Mutant: off-by-one in the discount threshold",
    ]);
    expect(r.tests[0]).toMatchObject({
      status: "fail",
      message: "Not finished: the time limit of 6 s for all the runs was reached while your tests ran on this mutant.",
    });
    for (const t of r.tests.slice(1))
      expect(t).toMatchObject({
        status: "fail",
        points: 0,
        message: "Not run: time limit (the exercise allows 6 s for all the runs).",
      });
    expect(r.message).toBe("Your tests killed 0 of 4 mutants (3 not run: time limit).");
  });
});
