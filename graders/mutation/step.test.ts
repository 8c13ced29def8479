import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadExercise } from "../exercise/catalog.ts";

// The load-time check of a mutation step, on a copy of the golden fixture with compatible variants.
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "compatible");

let root: string;
let dir: string;

const problems = () => {
  const loaded = loadExercise(dir, "testing", "compatible");
  return "problems" in loaded ? loaded.problems.map((p) => ({ field: p.field, message: p.message })) : [];
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-mutation-step-"));
  dir = path.join(root, "testing", "compatible");
  fs.cpSync(FIXTURE, dir, { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("a mutation step at load", () => {
  it("loads the golden fixture with its compatible variants", () => {
    expect(problems()).toEqual([]);
  });

  it("refuses a compatible variant that overlays a file the reference does not have", () => {
    fs.writeFileSync(path.join(dir, "compatible", "tenth", "src", "discont.js"), "export const typo = 1;\n");
    expect(problems()).toEqual([
      {
        field: "grader.steps.0.compatible",
        message: 'mutant "tenth" overlays src/discont.js, which is not a file of the reference',
      },
    ]);
  });

  it("refuses a compatible variant that changes no file, and a compatible folder that does not exist", () => {
    fs.rmSync(path.join(dir, "compatible", "message", "src"), { recursive: true });
    fs.writeFileSync(path.join(dir, "compatible", "message", "README.md"), "A description and nothing else\n");
    expect(problems()).toEqual([
      { field: "grader.steps.0.compatible", message: 'mutant "message" changes no file of the reference' },
    ]);
    fs.rmSync(path.join(dir, "compatible"), { recursive: true });
    expect(problems()).toEqual([{ field: "grader.steps.0.compatible", message: 'folder "compatible" does not exist' }]);
  });
});
