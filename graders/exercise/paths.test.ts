import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadCatalog } from "./catalog.ts";
import { loadPaths } from "./paths.ts";

const EXERCISES = fileURLToPath(new URL("../../exercises/", import.meta.url));
const dirs: string[] = [];
function pathsFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-paths-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "paths.yaml"), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const known = new Set(["a-one", "b-two", "c-three"]);

describe("learning paths", () => {
  it("the shipped paths load against the shipped catalog, with no problem", () => {
    const catalog = loadCatalog(EXERCISES);
    expect(catalog.problems).toEqual([]);
    expect(catalog.paths!.length).toBeGreaterThanOrEqual(3);
    for (const p of catalog.paths!)
      for (const id of p.exercises) expect(catalog.exercises.has(id), `${p.id}: ${id}`).toBe(true);
    // The seed's checklist: API design → authentication → databases → security → observability → testing → devops.
    const checklist = catalog.paths!.find((p) => p.id === "implementation-checklist")!;
    expect(checklist.exercises.map((id) => catalog.exercises.get(id)!.area)).toEqual([
      "api-design",
      "authentication",
      "databases",
      "security",
      "observability",
      "testing",
      "devops",
    ]);
  });

  it("no file means no paths", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-paths-"));
    dirs.push(dir);
    expect(loadPaths(dir, known)).toEqual({ paths: [], problems: [] });
  });

  it("reports a path naming an unknown exercise, a duplicate id and a bad field, and keeps the good one", () => {
    const dir = pathsFile(`paths:
  - { id: good, title: Good path, description: two known exercises in order, exercises: [b-two, a-one] }
  - { id: ghost, title: Ghost path, description: names one that does not exist, exercises: [a-one, nope] }
  - { id: good, title: Again good, description: the same id a second time, exercises: [a-one, c-three] }
  - { id: Bad Id, title: Bad, description: an id that is not a slug, exercises: [a-one, a-one] }
`);
    const { paths, problems } = loadPaths(dir, known);
    expect(paths.map((p) => [p.id, p.exercises])).toEqual([["good", ["b-two", "a-one"]]]);
    const said = problems.map((p) => `${p.field}: ${p.message}`);
    expect(said).toContain("paths.1.exercises: names exercise(s) the catalog does not have: nope");
    expect(said).toContain('paths.2.id: duplicate path id "good"');
    expect(said.some((s) => s.startsWith("paths.3.id:"))).toBe(true);
    expect(said).toContain("paths.3.exercises: each exercise once");
  });

  it("reports a file that is not YAML or has the wrong shape, and loads nothing from it", () => {
    expect(loadPaths(pathsFile("paths: [unclosed"), known).problems[0]!.message).toMatch(/^not valid YAML/);
    expect(loadPaths(pathsFile("tracks: []"), known).problems).toHaveLength(1);
    expect(loadPaths(pathsFile("tracks: []"), known).paths).toEqual([]);
  });
});
