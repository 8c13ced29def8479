import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exerciseCommand, validateExercises, type AuthoringEnv } from "./authoring.ts";
import { gradeFolder } from "./cli.ts";
import { openTestDriver } from "./sandbox/testing.ts";

let root: string;
let env: AuthoringEnv;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-author-test-"));
  fs.chmodSync(root, 0o711);
  env = { exercisesDir: root, openDriver: openTestDriver };
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the authoring CLI", () => {
  it("scaffolds an exercise that validates in real sandboxes, and catches a broken reference", async () => {
    expect(await exerciseCommand(["new", "testing/answer-me"], env)).toBe(0);
    const dir = path.join(root, "testing", "answer-me");
    expect(fs.existsSync(path.join(dir, "exercise.yaml"))).toBe(true);
    expect(await exerciseCommand(["new", "testing/answer-me"], env)).toBe(1); // exists
    expect(await exerciseCommand(["new", "nowhere/x"], env)).toBe(2);

    const good = await validateExercises(env, null);
    expect(good).toMatchObject({ ok: true, problems: [] });
    expect(good.exercises[0]).toMatchObject({
      id: "answer-me",
      ok: true,
      solution: { status: "pass", score: 100, max_score: 100 },
      starter: { score: 50, max_score: 100 },
      uncovered: [],
    });
    expect(good.exercises[0]!.wrong).toEqual([
      expect.objectContaining({ name: "returns-a-string", score: 0, failed: ["answers 42", "answers a number"] }),
    ]);

    // A reference solution that does not score max is a validation failure, said plainly.
    fs.writeFileSync(
      path.join(dir, "solution", "src", "index.ts"),
      "export function answer(): number {\n  return 41;\n}\n",
    );
    const bad = await validateExercises(env, dir);
    expect(bad.ok).toBe(false);
    expect(bad.exercises[0]!.problems[0]).toMatch(/reference solution scores 50 \/ 100.*answers 42/);
  });

  it("holds wrong-solution fixtures to their expect.yaml and every hidden test to at least one fixture", async () => {
    expect(await exerciseCommand(["new", "testing/wrong-ones"], env)).toBe(0);
    const dir = path.join(root, "testing", "wrong-ones");
    const fixture = (name: string, body: string, expectYaml: string) => {
      fs.mkdirSync(path.join(dir, "wrong", name, "src"), { recursive: true });
      fs.writeFileSync(
        path.join(dir, "wrong", name, "src", "index.ts"),
        `export function answer(): number {\n  ${body}\n}\n`,
      );
      fs.writeFileSync(path.join(dir, "wrong", name, "expect.yaml"), expectYaml);
    };
    fs.rmSync(path.join(dir, "wrong", "returns-a-string"), { recursive: true });
    fixture("off-by-one", "return 43;", 'why: "Off by one."\nfails: ["answers 42", "answers a number"]\n'); // claims a test it passes
    fixture("the-reference", "return 42;", 'why: "Not wrong at all."\nfails: ["answers 42"]\n'); // scores max
    fixture("typo", "return 41;", 'why: "A typo."\nfails: ["answers forty-two"]\n'); // names no real test
    fixture("broken-yaml", "return 0;", "why: [unclosed\n");

    const report = await validateExercises(env, dir, { jobs: 3 });
    expect(report.ok).toBe(false);
    const r = report.exercises[0]!;
    expect(r.wrong.map((w) => [w.name, w.score])).toEqual([
      ["off-by-one", 50],
      ["the-reference", 100],
      ["typo", 50],
    ]);
    expect(r.uncovered).toEqual(["answers a number"]);
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^wrong\/broken-yaml\/expect\.yaml: /),
        'wrong/off-by-one passes "answers a number", which its expect.yaml says it fails',
        'wrong/the-reference scores max (100 / 100): the hidden tests miss "Not wrong at all."',
        'wrong/the-reference passes "answers 42", which its expect.yaml says it fails',
        'wrong/typo/expect.yaml names a test that does not exist: "answers forty-two"',
        'no wrong/ fixture fails 1 of 2 hidden test(s): "answers a number"',
      ]),
    );
    expect(r.problems).toHaveLength(6);
    fs.rmSync(dir, { recursive: true });
  });

  it("validates on the Docker driver too, and leaves no container behind", async () => {
    expect(await exerciseCommand(["new", "testing/on-docker"], env)).toBe(0);
    const dir = path.join(root, "testing", "on-docker");
    const labId = `t${process.pid}`;
    const report = await validateExercises(env, dir, { driver: "docker", labId });
    expect(report.exercises[0]).toMatchObject({
      ok: true,
      solution: { score: 100 },
      starter: { score: 50 },
      uncovered: [],
    });
    const left = await new Docker().listContainers({ all: true, filters: { label: [`backlab.lab=author-${labId}`] } });
    expect(left).toEqual([]);
    fs.rmSync(dir, { recursive: true });
  }, 120_000);

  it("grades a folder the Exercism way: results.json in the out folder, exit 0 unless the grader broke", async () => {
    const dir = path.join(root, "testing", "answer-me");
    const out = path.join(root, "out");
    expect(await gradeFolder(dir, path.join(dir, "starter"), out, openTestDriver)).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"));
    expect(results).toMatchObject({ version: 3, status: "fail", score: 50, max_score: 100 });
    expect(results.tests.map((t: { status: string }) => t.status)).toEqual(["fail", "pass"]);
  });
});
