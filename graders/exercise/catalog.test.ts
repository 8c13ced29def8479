import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadCatalog } from "./catalog.ts";
import { exerciseJsonSchema } from "./schema.ts";

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const GOOD = `id: sample
title: A sample
area: testing
difficulty: beginner
estimated_minutes: 10
runtime: node20
summary: A sample exercise for the loader's tests.
grader:
  steps:
    - { kind: unit, name: Hidden tests, points: 10 }
`;

let root: string;
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function exercise(area: string, slug: string, yaml: string | null, dirs = ["starter", "solution", "tests"]): string {
  const dir = path.join(root, area, slug);
  fs.mkdirSync(dir, { recursive: true });
  for (const d of dirs) fs.mkdirSync(path.join(dir, d));
  if (yaml !== null) fs.writeFileSync(path.join(dir, "exercise.yaml"), yaml);
  fs.writeFileSync(path.join(dir, "README.md"), "# Sample\n");
  return path.join(dir, "exercise.yaml");
}

describe("loadCatalog", () => {
  it("loads a valid exercise with defaults filled in", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-"));
    exercise("testing", "sample", GOOD);
    const { exercises, problems } = loadCatalog(root);
    expect(problems).toEqual([]);
    expect(exercises.get("sample")).toMatchObject({
      area: "testing",
      maxScore: 10,
      limits: { wall_seconds: 20 },
      hints: [],
    });
  });

  it("takes backing services from the registry, each once, and refuses an unknown one", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-"));
    exercise("testing", "sample", GOOD.replace("grader:", "services: [postgres]\ngrader:"));
    exercise(
      "testing",
      "twice",
      GOOD.replace("id: sample", "id: twice").replace("grader:", "services: [postgres, postgres]\ngrader:"),
    );
    exercise(
      "testing",
      "mongo",
      GOOD.replace("id: sample", "id: mongo").replace("grader:", "services: [mongodb]\ngrader:"),
    );
    const { exercises, problems } = loadCatalog(root);
    expect(exercises.get("sample")?.services).toEqual(["postgres"]);
    expect(problems.map((p) => [path.basename(path.dirname(p.path)), p.field])).toEqual(
      expect.arrayContaining([
        ["twice", "services"],
        ["mongo", "services.0"],
      ]),
    );
    expect(problems).toHaveLength(2);
  });

  it("reports each broken exercise with its path and field, and still loads the good ones", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-"));
    exercise("testing", "sample", GOOD);
    const badYaml = exercise("testing", "bad-yaml", "id: [unclosed\n");
    const badArea = exercise(
      "nowhere",
      "bad-area",
      GOOD.replace("id: sample", "id: bad-area").replace("area: testing", "area: nowhere"),
    );
    const badStep = exercise(
      "testing",
      "bad-step",
      GOOD.replace("id: sample", "id: bad-step").replace("kind: unit", "kind: telepathy"),
    );
    const badLimit = exercise(
      "testing",
      "bad-limit",
      GOOD.replace("id: sample", "id: bad-limit") + "limits:\n  memory_mb: 999999\n",
    );
    const wrongFolder = exercise("testing", "other-name", GOOD);
    const noStarter = exercise("testing", "no-starter", GOOD.replace("id: sample", "id: no-starter"), [
      "solution",
      "tests",
    ]);
    const noYaml = exercise("testing", "no-yaml", null);

    const { exercises, problems } = loadCatalog(root);
    expect([...exercises.keys()]).toEqual(["sample"]);
    const by = (file: string) => problems.filter((p) => p.path === file);
    expect(by(badYaml)[0]?.message).toMatch(/not valid YAML/);
    expect(by(badArea)[0]?.field).toBe("area");
    expect(by(badStep)[0]?.field).toBe("grader.steps.0.kind");
    expect(by(badLimit)[0]?.field).toBe("limits.memory_mb");
    expect(by(wrongFolder)[0]).toMatchObject({
      field: "id",
      message: expect.stringMatching(/folder is named "other-name"/),
    });
    expect(by(noStarter)[0]?.message).toMatch(/starter\/ folder is missing/);
    expect(by(noYaml)[0]?.message).toMatch(/exercise.yaml is missing/);
  });

  it("rejects limits that would switch a limit off", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-"));
    const f = exercise("testing", "sample", GOOD + "limits:\n  pids: 0\n  wall_seconds: 100000\n");
    const fields = loadCatalog(root)
      .problems.filter((p) => p.path === f)
      .map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(["limits.pids", "limits.wall_seconds"]));
  });

  it("loads the shipped catalog without a single problem", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-"));
    const { problems, exercises } = loadCatalog(path.join(ROOT_DIR, "exercises"));
    expect(problems).toEqual([]);
    expect(exercises.size).toBeGreaterThanOrEqual(1);
  });

  it("exports the exercise.yaml schema as JSON Schema", () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-"));
    const schema = exerciseJsonSchema() as { type: string; properties: Record<string, unknown>; required: string[] };
    expect(schema.type).toBe("object");
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["id", "area", "grader", "limits", "hints"]));
    expect(schema.required).toEqual(expect.arrayContaining(["id", "title", "area", "grader"]));
  });
});
