import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import { FakeDriver } from "../sandbox/doubles.ts";
import type { Results } from "../results.ts";
import { grade, type GradeProgress } from "../run.ts";
import { MAX_STATIC_FILE } from "./files.ts";

/**
 * Golden fixtures, as Exercism's test runners keep them: each folder of fixtures/ is a small
 * exercise, its `submission/` is graded, and `expected.json` is the results without the
 * timings (which vary). The static kind executes nothing: the driver must never be called.
 */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

let root: string;
let n = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-static-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function load(dir: string, slug: string): Exercise {
  const loaded = loadExercise(dir, "devops", slug);
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

async function run(
  exercise: Exercise,
  submissionDir: string,
): Promise<{ results: Results; driver: FakeDriver; progress: GradeProgress[] }> {
  const driver = new FakeDriver();
  const progress: GradeProgress[] = [];
  const results = await grade({
    exercise,
    submissionDir,
    workDir: path.join(root, `run-${++n}`),
    driver,
    uid: process.getuid!(),
    name: `static-${n}`,
    onProgress: (e) => progress.push(e),
  });
  return { results, driver, progress };
}

/** The results minus what varies from run to run. */
function stable(r: Results): unknown {
  const { duration_ms: _d, timing: _timing, ...rest } = r;
  return { ...rest, tests: r.tests.map(({ duration_ms: _t, output: _o, ...t }) => t) };
}

describe("static grader golden fixtures", () => {
  for (const slug of fs.readdirSync(FIXTURES).sort()) {
    it(`${slug}: grades submission/ as expected.json says`, async () => {
      const dir = path.join(FIXTURES, slug);
      const { results, driver, progress } = await run(load(dir, slug), path.join(dir, "submission"));
      const expected: unknown = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
      expect(stable(results)).toEqual(expected);
      expect(driver.calls).toEqual([]);
      // Live progress: one event per scored test, as it is decided.
      expect(progress.flatMap((e) => (e.type === "test" ? [[e.step + 1, e.name, e.status]] : []))).toEqual(
        results.tests.map((t) => [t.task_id, t.name, t.status]),
      );
      for (const t of results.tests) expect((t.message ?? "").length).toBeLessThanOrEqual(500);
    });
  }
});

describe("static grader file access", () => {
  const exercise = () => load(path.join(FIXTURES, "pass"), "pass");

  /** A copy of the passing submission, changed by `edit`. */
  function submission(edit: (dir: string) => void): string {
    const dir = path.join(root, `sub-${++n}`);
    fs.cpSync(path.join(FIXTURES, "pass", "submission"), dir, { recursive: true });
    edit(dir);
    return dir;
  }

  it("refuses a Dockerfile that is a symlink, even to a file inside the submission", async () => {
    const dir = submission((d) => {
      fs.renameSync(path.join(d, "Dockerfile"), path.join(d, "real"));
      fs.symlinkSync("real", path.join(d, "Dockerfile"));
    });
    const { results } = await run(exercise(), dir);
    const docker = results.tests.filter((t) => t.name.startsWith("Dockerfile:"));
    expect(docker).toHaveLength(6);
    for (const t of docker)
      expect(t).toMatchObject({
        status: "fail",
        points: 0,
        message: expect.stringMatching(/Dockerfile is a symbolic link/),
      });
    expect(results.tests.filter((t) => t.status === "pass")).toHaveLength(3);
  });

  it("refuses a folder on the way that is a symlink out of the submission", async () => {
    const outside = path.join(root, `outside-${++n}`);
    fs.mkdirSync(path.join(outside, "workflows"), { recursive: true });
    fs.copyFileSync(
      path.join(FIXTURES, "pass", "submission", ".github", "workflows", "ci.yml"),
      path.join(outside, "workflows", "ci.yml"),
    );
    const dir = submission((d) => {
      fs.rmSync(path.join(d, ".github"), { recursive: true });
      fs.symlinkSync(outside, path.join(d, ".github"));
    });
    const { results } = await run(exercise(), dir);
    const ci = results.tests.filter((t) => t.name.startsWith(".github/"));
    for (const t of ci)
      expect(t).toMatchObject({ status: "fail", message: expect.stringMatching(/^\.github is a symbolic link/) });
  });

  it("refuses files over 256 KB and folders where a file should be", async () => {
    const dir = submission((d) => {
      fs.appendFileSync(path.join(d, "Dockerfile"), `# ${"x".repeat(MAX_STATIC_FILE)}\n`);
      fs.rmSync(path.join(d, ".github", "workflows", "ci.yml"));
      fs.mkdirSync(path.join(d, ".github", "workflows", "ci.yml"));
    });
    const { results } = await run(exercise(), dir);
    expect(results.tests.every((t) => t.status === "fail")).toBe(true);
    expect(results.tests[0]!.message).toMatch(/Dockerfile is 257 KB; the grader reads files up to 256 KB/);
    expect(results.tests.at(-1)!.message).toMatch(/is not a regular file \(it is a folder\)/);
  });

  it("treats a file path leaving the submission as the exercise's error", async () => {
    const ex = exercise();
    const bad = {
      ...ex,
      grader: {
        steps: [
          {
            kind: "static" as const,
            name: "Escape",
            category: "quality" as const,
            points: 10,
            rules: [{ rule: "dockerfile/non-root", file: "../pass/submission/Dockerfile" }],
          },
        ],
      },
    };
    const { results } = await run(bad, path.join(FIXTURES, "pass", "submission"));
    expect(results).toMatchObject({
      status: "error",
      message: expect.stringMatching(/must be a relative path inside the submission/),
      tests: [],
    });
  });

  it("rejects unknown rule parameters loudly", async () => {
    const ex = exercise();
    const bad = {
      ...ex,
      grader: {
        steps: [
          {
            kind: "static" as const,
            name: "Typo",
            category: "quality" as const,
            points: 10,
            rules: [{ rule: "dockerfile/non-root", file: "Dockerfile", severity: "high" }],
          },
        ],
      },
    };
    const { results } = await run(bad, path.join(FIXTURES, "pass", "submission"));
    expect(results).toMatchObject({
      status: "error",
      message: expect.stringMatching(/rule "dockerfile\/non-root" on Dockerfile: bad parameters/),
    });
  });
});
