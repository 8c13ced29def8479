import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { graderFor } from "../registry.ts";
import { loadPaths, type LearningPath } from "./paths.ts";
import { AREAS, ExerciseSpec } from "./schema.ts";

export type Exercise = ExerciseSpec & {
  /** Absolute folder of the exercise: starter/, solution/, tests/ live here. */
  dir: string;
  readme: string;
  maxScore: number;
};

export type CatalogProblem = { path: string; field: string; message: string };

export type Catalog = {
  exercises: Map<string, Exercise>;
  problems: CatalogProblem[];
  /** Learning paths (`exercises/paths.yaml`, graders/exercise/paths.ts): only those whose every exercise loaded. */
  paths?: LearningPath[];
};

const REQUIRED_DIRS = ["starter", "solution"];

/**
 * Loads every `exercises/<area>/<slug>/exercise.yaml`. A broken exercise is reported with
 * its path and field and skipped; it never stops the lab.
 */
export function loadCatalog(root: string): Catalog {
  const exercises = new Map<string, Exercise>();
  const problems: CatalogProblem[] = [];
  if (!fs.existsSync(root))
    return { exercises, problems: [{ path: root, field: "", message: "exercises folder does not exist" }] };

  for (const area of fs.readdirSync(root, { withFileTypes: true })) {
    if (!area.isDirectory() || area.name.startsWith(".")) continue;
    for (const entry of fs.readdirSync(path.join(root, area.name), { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const dir = path.join(root, area.name, entry.name);
      const result = loadExercise(dir, area.name, entry.name);
      if ("problems" in result) {
        problems.push(...result.problems);
        continue;
      }
      const existing = exercises.get(result.exercise.id);
      if (existing) {
        problems.push({
          path: path.join(dir, "exercise.yaml"),
          field: "id",
          message: `duplicate id "${result.exercise.id}" (also in ${existing.dir})`,
        });
        continue;
      }
      exercises.set(result.exercise.id, result.exercise);
    }
  }
  const paths = loadPaths(root, new Set(exercises.keys()));
  return { exercises, problems: [...problems, ...paths.problems], paths: paths.paths };
}

export function loadExercise(
  dir: string,
  areaFolder: string,
  slugFolder: string,
): { exercise: Exercise } | { problems: CatalogProblem[] } {
  const file = path.join(dir, "exercise.yaml");
  const fail = (field: string, message: string) => ({ problems: [{ path: file, field, message }] });
  if (!fs.existsSync(file)) return fail("", "exercise.yaml is missing");

  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, "utf8"), { maxAliasCount: 50 });
  } catch (err) {
    return fail("", `not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const parsed = ExerciseSpec.safeParse(raw);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => ({
        path: file,
        field: i.path.join(".") || "(root)",
        message: i.message,
      })),
    };
  }
  const spec = parsed.data;
  if (spec.area !== areaFolder)
    return fail("area", `is "${spec.area}" but the exercise lives under exercises/${areaFolder}/`);
  if (spec.id !== slugFolder) return fail("id", `is "${spec.id}" but the folder is named "${slugFolder}"`);
  for (const d of REQUIRED_DIRS) {
    if (!isDir(path.join(dir, d))) return fail("", `the ${d}/ folder is missing`);
  }
  // Each kind says which folders it reads and what else its step needs (graders/<kind>/).
  for (const [i, step] of spec.grader.steps.entries()) {
    const where = `grader.steps.${i}`;
    const kind = graderFor(step.kind);
    for (const h of kind.hidden(step)) {
      if (!isDir(path.join(dir, h.dir))) return fail(`${where}.${h.field}`, `folder "${h.dir}" does not exist`);
    }
    const problems = kind.check?.(step, { dir, spec, where }) ?? [];
    if (problems.length) return { problems: problems.map((p) => ({ path: file, ...p })) };
  }
  const readmePath = path.join(dir, "README.md");
  if (!fs.existsSync(readmePath)) return fail("", "README.md is missing");
  return {
    exercise: {
      ...spec,
      dir,
      readme: fs.readFileSync(readmePath, "utf8"),
      maxScore: spec.grader.steps.reduce((s, st) => s + st.points, 0),
    },
  };
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function areaTitle(id: string): string {
  return AREAS.find((a) => a.id === id)?.title ?? id;
}
