import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { loadCatalog, loadExercise, type CatalogProblem, type Exercise } from "./exercise/catalog.ts";
import { AREAS, Slug } from "./exercise/schema.ts";
import type { OpenDriver } from "./sandbox/port.ts";
import { readmePointsProblems } from "./readme-points.ts";
import type { Results } from "./results.ts";
import { grade, GRADING_UID_BASE } from "./run.ts";
import { DEFAULT_ADMISSION, pooled, type Admission, type PoolStats } from "./pool.ts";

const USAGE = `backlab exercise <command>

  new <area>/<slug>                 scaffold an exercise (a unit-graded starting point)
  validate [path|--all] [--json] [--jobs N] [--driver bwrap|docker]
                                    check the schema, then grade in real sandboxes: the
                                    reference solution (must score max), the starter (must
                                    score less) and each wrong/<name>/ fixture (must score
                                    less and fail the tests its expect.yaml lists; together
                                    the fixtures must fail every hidden test)
  grade <exercise> <dir> [--json] [--driver bwrap|docker]
                                    grade any folder as a submission and print the results
`;

const say = (m: string) => process.stderr.write(`${m}\n`);

/**
 * What the authoring commands get from whoever runs them (the lab's CLI, or a test): the
 * catalog's folder and the sandbox drivers, which the engine never builds itself.
 */
export type AuthoringEnv = { exercisesDir: string; openDriver: OpenDriver };

export async function exerciseCommand(args: string[], env: AuthoringEnv): Promise<number> {
  const [command, ...rest] = args;
  const json = rest.includes("--json");
  const driver = driverOption(rest);
  if (!driver) return usage();
  // Option values are not positional arguments.
  const positional = rest.filter(
    (a, i) => !a.startsWith("--") && rest[i - 1] !== "--jobs" && rest[i - 1] !== "--driver",
  );
  switch (command) {
    case "new":
      return scaffold(positional[0], env.exercisesDir);
    case "validate": {
      const jobsAt = rest.indexOf("--jobs");
      const jobs = jobsAt >= 0 ? Number(rest[jobsAt + 1]) : undefined;
      if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 16)) return usage();
      return validateCommand(rest.includes("--all") ? null : (positional[0] ?? null), json, jobs, driver, env);
    }
    case "grade": {
      const [exerciseDir, dir] = positional;
      if (!exerciseDir || !dir) return usage();
      const loaded = load(path.resolve(exerciseDir));
      if ("problems" in loaded) return printProblems(loaded.problems, json);
      const results = await withDriver(env.openDriver, (g) => g(loaded.exercise, path.resolve(dir)), driver);
      process.stdout.write(
        json
          ? JSON.stringify(results, null, 2) + "\n"
          : `${results.status}: ${results.score} / ${results.max_score} (${results.duration_ms} ms)\n${results.tests.map((t) => `  ${t.status.padEnd(4)} ${t.name}${t.message ? ` — ${t.message.split("\n")[0]}` : ""}`).join("\n")}\n`,
      );
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

export type DriverName = "bwrap" | "docker";

/**
 * Grades with real sandboxes (bubblewrap by default, or Docker with the lab's images) in a
 * scratch folder that is removed afterwards, together with anything the run left behind.
 */
export async function withDriver<T>(
  openDriver: OpenDriver,
  fn: (grade: Grader) => Promise<T>,
  driverName: DriverName = "bwrap",
  labId?: string,
): Promise<T> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-author-"));
  fs.chmodSync(scratch, 0o711);
  const token = labId ?? crypto.randomBytes(4).toString("hex");
  const driver = await openDriver(driverName, { labId: `author-${token}`, stateDir: scratch });
  const status = await driver.available();
  if (!status.ok) throw new Error(`${status.reason}. Fix: ${status.fix}`);
  let n = 0;
  try {
    return await fn((exercise, dir) =>
      grade({
        exercise,
        submissionDir: dir,
        workDir: path.join(scratch, `run-${++n}`),
        driver,
        uid: GRADING_UID_BASE + ((process.pid * 7 + n) % 100_000),
        name: `author-${token}-${n}`,
      }),
    );
  } finally {
    // Whatever the run left (a container a crash kept, a cgroup) goes with the scratch folder.
    await driver.reap();
    await driver.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** `--driver bwrap|docker` (default bwrap), or null when the value is not one of them. */
function driverOption(rest: string[]): DriverName | null {
  const at = rest.indexOf("--driver");
  if (at < 0) return "bwrap";
  const v = rest[at + 1];
  return v === "bwrap" || v === "docker" ? v : null;
}

type Score = { status: string; score: number; max_score: number };

export type WrongReport = Score & {
  name: string;
  why: string;
  /** Tests this fixture did not pass. */
  failed: string[];
};

export type ValidationReport = {
  id: string;
  path: string;
  ok: boolean;
  problems: string[];
  solution?: Score;
  starter?: Score;
  wrong: WrongReport[];
  /** Hidden tests no wrong fixture fails: each hidden test must catch a plausible mistake. */
  uncovered: string[];
  duration_ms: number;
};

/** How the run used the machine: its wall time, the most gradings at once, and how many the idle CPU let in. */
export type PoolReport = { wall_ms: number; peak_jobs: number; admitted_on_idle: number };

/** `wrong/<name>/expect.yaml`: the plausible mistake and the tests it must lose. */
const WrongExpect = z
  .object({
    why: z.string().min(1).max(500),
    fails: z.array(z.string().min(1).max(300)).min(1).max(100),
  })
  .strict();

type WrongFixture =
  { name: string; dir: string; expect: z.infer<typeof WrongExpect> } | { name: string; problem: string };

/** The exercise's wrong-solution fixtures, sorted by name; a malformed one is a problem, not a crash. */
export function wrongFixtures(exerciseDir: string): WrongFixture[] {
  const root = path.join(exerciseDir, "wrong");
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name): WrongFixture => {
      const dir = path.join(root, name);
      let raw: unknown;
      try {
        raw = YAML.parse(fs.readFileSync(path.join(dir, "expect.yaml"), "utf8"));
      } catch (err) {
        return { name, problem: `wrong/${name}/expect.yaml: ${(err as Error).message.split("\n")[0]}` };
      }
      const parsed = WrongExpect.safeParse(raw);
      if (!parsed.success)
        return {
          name,
          problem: `wrong/${name}/expect.yaml: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
        };
      return { name, dir, expect: parsed.data };
    });
}

/** The reference solution with a fixture's files laid over it (expect.yaml left out). */
function assemble(solutionDir: string, fixtureDir: string, into: string): string {
  fs.cpSync(solutionDir, into, { recursive: true, verbatimSymlinks: true });
  fs.cpSync(fixtureDir, into, {
    recursive: true,
    verbatimSymlinks: true,
    force: true,
    filter: (src) => src !== path.join(fixtureDir, "expect.yaml"),
  });
  return into;
}

/** Validates one exercise folder, or the whole catalog: schema, then real grading. */
export async function validateExercises(
  env: AuthoringEnv,
  target: string | null,
  opts: {
    jobs?: number;
    driver?: DriverName;
    /** Names the run's sandboxes (`author-<labId>-…`); random by default. */ labId?: string;
  } = {},
): Promise<{ ok: boolean; exercises: ValidationReport[]; problems: CatalogProblem[]; pool: PoolReport }> {
  const t0 = Date.now();
  const stats: PoolStats = { peak: 0, admittedOnIdle: 0 };
  let exercises: Exercise[];
  let problems: CatalogProblem[];
  if (target) {
    const loaded = load(path.resolve(target));
    exercises = "exercise" in loaded ? [loaded.exercise] : [];
    problems = "problems" in loaded ? loaded.problems : [];
  } else {
    const catalog = loadCatalog(env.exercisesDir);
    exercises = [...catalog.exercises.values()].sort((a, b) => a.id.localeCompare(b.id));
    problems = catalog.problems;
  }
  const reports = await withDriver(
    env.openDriver,
    async (g) => {
      const assembled = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-wrong-"));
      try {
        // Every grading of every exercise goes into one pool, so a slow exercise does not hold the others up.
        const plans = exercises.map((e) => ({ e, fixtures: wrongFixtures(e.dir), t0: 0, ms: 0 }));
        const tasks: { run: () => Promise<Results>; weight: number }[] = [];
        const slots = plans.map((p) => {
          // The exercise's wall time stands in for how long its gradings take.
          const timed = (dir: () => string) => ({
            weight: p.e.limits.wall_seconds,
            run: async () => {
              const t0 = Date.now();
              const r = await g(p.e, dir());
              p.ms += Date.now() - t0;
              return r;
            },
          });
          const first = tasks.length;
          tasks.push(
            timed(() => path.join(p.e.dir, "solution")),
            timed(() => path.join(p.e.dir, "starter")),
          );
          for (const f of p.fixtures)
            if ("dir" in f)
              tasks.push(
                timed(() =>
                  assemble(path.join(p.e.dir, "solution"), f.dir, path.join(assembled, `${p.e.id}-${f.name}`)),
                ),
              );
          return first;
        });
        const admission: Admission = opts.jobs
          ? { ...DEFAULT_ADMISSION, min: opts.jobs, max: opts.jobs }
          : DEFAULT_ADMISSION;
        const results = await pooled(tasks, admission, undefined, stats);
        return plans.map((p, i) => {
          const [solution, starter, ...graded] = results.slice(
            slots[i]!,
            slots[i]! + 2 + p.fixtures.filter((f) => "dir" in f).length,
          ) as [Results, Results, ...Results[]];
          return report(p.e, solution, starter, p.fixtures, graded, p.ms);
        });
      } finally {
        fs.rmSync(assembled, { recursive: true, force: true });
      }
    },
    opts.driver,
    opts.labId,
  );
  return {
    ok: problems.length === 0 && reports.every((r) => r.ok),
    exercises: reports,
    problems,
    pool: { wall_ms: Date.now() - t0, peak_jobs: stats.peak, admitted_on_idle: stats.admittedOnIdle },
  };
}

function report(
  e: Exercise,
  solution: Results,
  starter: Results,
  fixtures: WrongFixture[],
  graded: Results[],
  ms: number,
): ValidationReport {
  const why: string[] = [];
  const pick = (r: Results): Score => ({ status: r.status, score: r.score, max_score: r.max_score });
  if (solution.status !== "pass" || solution.score !== e.maxScore) {
    const failing = solution.tests.filter((t) => t.status !== "pass").map((t) => `${t.name}: ${t.message ?? t.status}`);
    why.push(
      `the reference solution scores ${solution.score} / ${solution.max_score} (${solution.status})${solution.message ? `: ${solution.message}` : ""}${failing.length ? `; failing: ${failing.slice(0, 5).join("; ")}` : ""}`,
    );
  }
  // The README's figures ("14 tests (10 points each)") must be what grading gives.
  if (solution.tests.length) why.push(...readmePointsProblems(e.readme, solution, e.maxScore));
  if (starter.status === "error") why.push(`grading the starter broke the grader: ${starter.message}`);
  else if (starter.score >= e.maxScore)
    why.push(`the starter already scores max (${starter.score} / ${starter.max_score})`);

  const names = solution.tests.map((t) => t.name);
  const caught = new Set<string>();
  const wrong: WrongReport[] = [];
  let n = 0;
  for (const f of fixtures) {
    if (!("dir" in f)) {
      why.push(f.problem);
      continue;
    }
    const r = graded[n++]!;
    const failed = r.tests.filter((t) => t.status !== "pass").map((t) => t.name);
    for (const t of failed) caught.add(t);
    wrong.push({ name: f.name, why: f.expect.why, failed, ...pick(r) });
    if (r.status === "error") why.push(`grading wrong/${f.name} broke the grader: ${r.message}`);
    else if (r.score >= e.maxScore)
      why.push(`wrong/${f.name} scores max (${r.score} / ${r.max_score}): the hidden tests miss "${f.expect.why}"`);
    for (const t of f.expect.fails) {
      if (!names.includes(t)) why.push(`wrong/${f.name}/expect.yaml names a test that does not exist: "${t}"`);
      else if (!failed.includes(t)) why.push(`wrong/${f.name} passes "${t}", which its expect.yaml says it fails`);
    }
  }
  const uncovered = names.filter((t) => !caught.has(t));
  if (uncovered.length)
    why.push(
      `no wrong/ fixture fails ${uncovered.length} of ${names.length} hidden test(s): ${uncovered
        .slice(0, 5)
        .map((t) => `"${t}"`)
        .join(", ")}${uncovered.length > 5 ? ", …" : ""}`,
    );
  return {
    id: e.id,
    path: e.dir,
    ok: why.length === 0,
    problems: why,
    solution: pick(solution),
    starter: pick(starter),
    wrong,
    uncovered,
    duration_ms: ms,
  };
}

async function validateCommand(
  target: string | null,
  json: boolean,
  jobs: number | undefined,
  driver: DriverName,
  env: AuthoringEnv,
): Promise<number> {
  const report = await validateExercises(env, target, { jobs, driver });
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  } else {
    for (const p of report.problems) say(`✗ ${p.path}: ${p.field ? p.field + ": " : ""}${p.message}`);
    for (const r of report.exercises) {
      say(
        `${r.ok ? "✓" : "✗"} ${r.id}: solution ${r.solution?.score}/${r.solution?.max_score}, starter ${r.starter?.score}/${r.starter?.max_score}, ${r.wrong.length} wrong fixture(s) (${r.duration_ms} ms of grading)`,
      );
      for (const w of r.wrong) say(`    wrong/${w.name}: ${w.score}/${w.max_score}, fails ${w.failed.length}`);
      for (const p of r.problems) say(`    ${p}`);
    }
    say(report.ok ? `${report.exercises.length} exercise(s) valid` : "validation failed");
    say(
      `${(report.pool.wall_ms / 1000).toFixed(1)} s; at most ${report.pool.peak_jobs} gradings at once (${report.pool.admitted_on_idle} let in by idle CPU)`,
    );
  }
  return report.ok ? 0 : 1;
}

/** Scaffolds `exercises/<area>/<slug>/` with a small unit-graded exercise to start from. */
function scaffold(id: string | undefined, exercisesDir: string): number {
  const [area, slug] = (id ?? "").split("/");
  if (!area || !slug || !AREAS.some((a) => a.id === area) || !Slug.safeParse(slug).success) {
    say(
      `give <area>/<slug>: area one of ${AREAS.map((a) => a.id).join(", ")}; slug in lowercase words joined by hyphens`,
    );
    return 2;
  }
  const dir = path.join(exercisesDir, area, slug);
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
    "wrong/returns-a-string/expect.yaml": `why: "Returns the right digits as a string: the types say number, the value is not."\nfails: ["answers 42", "answers a number"]\n`,
    "wrong/returns-a-string/src/index.ts": `export function answer(): number {\n  return "42" as unknown as number;\n}\n`,
    "tests/index.test.ts": `import { expect, it } from "vitest";\nimport { answer } from "@workspace/src/index.ts";\n\nit("answers 42", () => expect(answer()).toBe(42));\nit("answers a number", () => expect(typeof answer()).toBe("number"));\n`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  say(`created ${dir}; next: backlab exercise validate ${path.relative(process.cwd(), dir)}`);
  return 0;
}
