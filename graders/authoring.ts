import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../server/config.ts";
import { loadCatalog, loadExercise, type CatalogProblem, type Exercise } from "../server/exercises/catalog.ts";
import { AREAS, Slug } from "../server/exercises/schema.ts";
import { BwrapDriver } from "../server/sandbox/bwrap/driver.ts";
import { ensureRuntime } from "../server/setup/runtime.ts";
import { GRADING_UID_BASE } from "../server/workspaces/service.ts";
import type { Results } from "./results.ts";
import { grade } from "./run.ts";

const USAGE = `backlab exercise <command>

  new <area>/<slug>                 scaffold an exercise (a unit-graded starting point)
  validate [path|--all] [--json]    check the schema, then grade the reference solution
                                    (must score max) and the starter (must score less)
                                    in real sandboxes
  grade <exercise> <dir> [--json]   grade any folder as a submission and print the results
`;

const say = (m: string) => process.stderr.write(`${m}\n`);

export async function exerciseCommand(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const json = rest.includes("--json");
  const positional = rest.filter((a) => !a.startsWith("--"));
  switch (command) {
    case "new":
      return scaffold(positional[0]);
    case "validate":
      return validateCommand(rest.includes("--all") ? null : (positional[0] ?? null), json);
    case "grade": {
      const [exerciseDir, dir] = positional;
      if (!exerciseDir || !dir) return usage();
      const loaded = load(path.resolve(exerciseDir));
      if ("problems" in loaded) return printProblems(loaded.problems, json);
      const results = await withDriver((g) => g(loaded.exercise, path.resolve(dir)));
      process.stdout.write(json ? JSON.stringify(results, null, 2) + "\n" : `${results.status}: ${results.score} / ${results.max_score} (${results.duration_ms} ms)\n${results.tests.map((t) => `  ${t.status.padEnd(4)} ${t.name}${t.message ? ` — ${t.message.split("\n")[0]}` : ""}`).join("\n")}\n`);
      return results.status === "error" ? 1 : 0;
    }
    default:
      return usage();
  }
}

function usage(): number {
  process.stderr.write(USAGE);
  return 2;
}

function load(dir: string) {
  return loadExercise(dir, path.basename(path.dirname(dir)), path.basename(dir));
}

function printProblems(problems: CatalogProblem[], json: boolean): number {
  if (json) process.stdout.write(JSON.stringify({ ok: false, problems }, null, 2) + "\n");
  else for (const p of problems) say(`${p.path}: ${p.field ? p.field + ": " : ""}${p.message}`);
  return 1;
}

export type Grader = (exercise: Exercise, dir: string) => Promise<Results>;

/** Grades with real bubblewrap sandboxes in a scratch folder that is removed afterwards. */
export async function withDriver<T>(fn: (grade: Grader) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-author-"));
  fs.chmodSync(scratch, 0o711);
  const token = crypto.randomBytes(4).toString("hex");
  const driver = new BwrapDriver({ stateDir: scratch, runtimes: (r) => ensureRuntime(config.runtimeDir, r), labId: `author-${token}` });
  const status = await driver.available();
  if (!status.ok) throw new Error(`${status.reason}. Fix: ${status.fix}`);
  let n = 0;
  try {
    return await fn((exercise, dir) => grade({ exercise, submissionDir: dir, workDir: path.join(scratch, `run-${++n}`), driver, uid: GRADING_UID_BASE + ((process.pid * 7 + n) % 100_000), name: `author-${token}-${n}` }));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export type ValidationReport = {
  id: string;
  path: string;
  ok: boolean;
  problems: string[];
  solution?: { status: string; score: number; max_score: number };
  starter?: { status: string; score: number; max_score: number };
  duration_ms: number;
};

/** Validates one exercise folder, or the whole catalog: schema, then real grading. */
export async function validateExercises(target: string | null): Promise<{ ok: boolean; exercises: ValidationReport[]; problems: CatalogProblem[] }> {
  let exercises: Exercise[];
  let problems: CatalogProblem[];
  if (target) {
    const loaded = load(path.resolve(target));
    exercises = "exercise" in loaded ? [loaded.exercise] : [];
    problems = "problems" in loaded ? loaded.problems : [];
  } else {
    const catalog = loadCatalog(loadConfig().exercisesDir);
    exercises = [...catalog.exercises.values()].sort((a, b) => a.id.localeCompare(b.id));
    problems = catalog.problems;
  }
  const reports = await withDriver(async (g) => {
    const out: ValidationReport[] = [];
    for (const e of exercises) {
      const t0 = Date.now();
      const [solution, starter] = [await g(e, path.join(e.dir, "solution")), await g(e, path.join(e.dir, "starter"))];
      const why: string[] = [];
      if (solution.status !== "pass" || solution.score !== e.maxScore) {
        const failing = solution.tests.filter((t) => t.status !== "pass").map((t) => `${t.name}: ${t.message ?? t.status}`);
        why.push(`the reference solution scores ${solution.score} / ${solution.max_score} (${solution.status})${solution.message ? `: ${solution.message}` : ""}${failing.length ? `; failing: ${failing.slice(0, 5).join("; ")}` : ""}`);
      }
      if (starter.status === "error") why.push(`grading the starter broke the grader: ${starter.message}`);
      else if (starter.score >= e.maxScore) why.push(`the starter already scores max (${starter.score} / ${starter.max_score})`);
      const pick = (r: Results) => ({ status: r.status, score: r.score, max_score: r.max_score });
      out.push({ id: e.id, path: e.dir, ok: why.length === 0, problems: why, solution: pick(solution), starter: pick(starter), duration_ms: Date.now() - t0 });
    }
    return out;
  });
  return { ok: problems.length === 0 && reports.every((r) => r.ok), exercises: reports, problems };
}

async function validateCommand(target: string | null, json: boolean): Promise<number> {
  const report = await validateExercises(target);
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  } else {
    for (const p of report.problems) say(`✗ ${p.path}: ${p.field ? p.field + ": " : ""}${p.message}`);
    for (const r of report.exercises) {
      say(`${r.ok ? "✓" : "✗"} ${r.id}: solution ${r.solution?.score}/${r.solution?.max_score}, starter ${r.starter?.score}/${r.starter?.max_score} (${r.duration_ms} ms)`);
      for (const p of r.problems) say(`    ${p}`);
    }
    say(report.ok ? `${report.exercises.length} exercise(s) valid` : "validation failed");
  }
  return report.ok ? 0 : 1;
}

/** Scaffolds `exercises/<area>/<slug>/` with a small unit-graded exercise to start from. */
function scaffold(id: string | undefined): number {
  const [area, slug] = (id ?? "").split("/");
  if (!area || !slug || !AREAS.some((a) => a.id === area) || !Slug.safeParse(slug).success) {
    say(`give <area>/<slug>: area one of ${AREAS.map((a) => a.id).join(", ")}; slug in lowercase words joined by hyphens`);
    return 2;
  }
  const dir = path.join(loadConfig().exercisesDir, area, slug);
  if (fs.existsSync(dir)) {
    say(`${dir} exists already`);
    return 1;
  }
  const files: Record<string, string> = {
    "exercise.yaml": `id: ${slug}\ntitle: ${slug.replace(/-/g, " ")}\narea: ${area}\ndifficulty: intermediate\nestimated_minutes: 30\nruntime: node20\nsummary: One sentence for the catalog card.\ngrader:\n  steps:\n    - kind: unit\n      name: Hidden unit tests\n      tests: tests\n      points: 100\nhints:\n  - A first, gentle hint.\n`,
    "README.md": `# ${slug}\n\nWhat the learner builds, the API they must export, and how it is graded.\n`,
    "starter/package.json": `{\n  "type": "module",\n  "scripts": { "test": "vitest run" }\n}\n`,
    "starter/src/index.ts": `export function answer(): number {\n  return 0; // TODO\n}\n`,
    "solution/package.json": `{\n  "type": "module",\n  "scripts": { "test": "vitest run" }\n}\n`,
    "solution/src/index.ts": `export function answer(): number {\n  return 42;\n}\n`,
    "tests/index.test.ts": `import { expect, it } from "vitest";\nimport { answer } from "@workspace/src/index.ts";\n\nit("answers 42", () => expect(answer()).toBe(42));\nit("answers a number", () => expect(typeof answer()).toBe("number"));\n`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  say(`created ${dir}; next: backlab exercise validate ${path.relative(process.cwd(), dir)}`);
  return 0;
}
