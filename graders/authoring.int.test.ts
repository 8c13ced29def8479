import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_RUNTIME_DIR } from "../server/setup/runtime.ts";
import { exerciseCommand, validateExercises } from "./authoring.ts";
import { gradeFolder } from "./cli.ts";

let root: string;
const saved = { ...process.env };

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-author-test-"));
  fs.chmodSync(root, 0o711);
  process.env.EXERCISES_DIR = root;
  process.env.RUNTIME_DIR = TEST_RUNTIME_DIR;
});
afterAll(() => {
  process.env = saved;
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the authoring CLI", () => {
  it("scaffolds an exercise that validates in real sandboxes, and catches a broken reference", async () => {
    expect(await exerciseCommand(["new", "testing/answer-me"])).toBe(0);
    const dir = path.join(root, "testing", "answer-me");
    expect(fs.existsSync(path.join(dir, "exercise.yaml"))).toBe(true);
    expect(await exerciseCommand(["new", "testing/answer-me"])).toBe(1); // exists
    expect(await exerciseCommand(["new", "nowhere/x"])).toBe(2);

    const good = await validateExercises(null);
    expect(good).toMatchObject({ ok: true, problems: [] });
    expect(good.exercises[0]).toMatchObject({ id: "answer-me", ok: true, solution: { status: "pass", score: 100, max_score: 100 }, starter: { score: 50, max_score: 100 } });

    // A reference solution that does not score max is a validation failure, said plainly.
    fs.writeFileSync(path.join(dir, "solution", "src", "index.ts"), "export function answer(): number {\n  return 41;\n}\n");
    const bad = await validateExercises(dir);
    expect(bad.ok).toBe(false);
    expect(bad.exercises[0]!.problems[0]).toMatch(/reference solution scores 50 \/ 100.*answers 42/);
  });

  it("grades a folder the Exercism way: results.json in the out folder, exit 0 unless the grader broke", async () => {
    const dir = path.join(root, "testing", "answer-me");
    const out = path.join(root, "out");
    expect(await gradeFolder(dir, path.join(dir, "starter"), out)).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"));
    expect(results).toMatchObject({ version: 3, status: "fail", score: 50, max_score: 100 });
    expect(results.tests.map((t: { status: string }) => t.status)).toEqual(["fail", "pass"]);
  });
});
