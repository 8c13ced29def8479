import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "./exercise/catalog.ts";
import { suiteHash } from "./suite-hash.ts";

// The mutation kind's golden fixture with compatible variants, copied so it can be changed.
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "mutation", "fixtures", "compatible");

let root: string;
let dir: string;

const load = (): Exercise => {
  const loaded = loadExercise(dir, "testing", "compatible");
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
};
const edit = (rel: string, change: (text: string) => string) =>
  fs.writeFileSync(path.join(dir, rel), change(fs.readFileSync(path.join(dir, rel), "utf8")));

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-suite-hash-"));
  dir = path.join(root, "testing", "compatible");
  fs.cpSync(FIXTURE, dir, { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the suite hash", () => {
  it("changes when a compatible variant changes: the variants decide grades, so they are signed", () => {
    const before = suiteHash(load());
    expect(suiteHash(load())).toBe(before);
    edit("compatible/tenth/src/discount.js", (t) => t.replace("total / 10", "total * 0.1"));
    expect(suiteHash(load())).not.toBe(before);
  });

  it("changes with every hidden folder the step reads (mutants, the reference) and with exercise.yaml", () => {
    const base = suiteHash(load());
    edit("mutants/threshold/src/discount.js", (t) => `${t}\n`);
    const mutant = suiteHash(load());
    expect(mutant).not.toBe(base);
    edit("solution/src/discount.js", (t) => `${t}\n`);
    const reference = suiteHash(load());
    expect(reference).not.toBe(mutant);
    edit("exercise.yaml", (t) => t.replace("points: 50", "points: 60"));
    expect(suiteHash(load())).not.toBe(reference);
  });

  it("does not change with what the learner sees (the starter)", () => {
    const before = suiteHash(load());
    edit("starter/src/discount.js", (t) => `${t}\n// edited\n`);
    expect(suiteHash(load())).toBe(before);
  });
});
