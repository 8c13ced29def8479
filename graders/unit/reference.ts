import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sandboxLimits } from "../exercise/fields.ts";
import { runCapped } from "../sandbox/exec.ts";
import { copyTree, removeTree } from "../sandbox/files.ts";
import { createWithin } from "../sandbox/port.ts";
import { readSandboxFile } from "../sandbox/read.ts";
import type { GradeContext } from "../kind.ts";

/** One hidden test as the reference solution's collection names it. */
export type ExpectedTest = { file: string; name: string };

/**
 * Which tests a unit step scores is fixed by the hidden suite run against the exercise's
 * reference solution, never by what the submission's run collected: code in the test worker
 * can register tests of its own through vitest's API (passing ones, to dilute the failing
 * hidden ones) or keep hidden ones from registering. The list comes from `vitest list` on the
 * reference in a sandbox of its own, once per lab process and suite (the key hashes the
 * hidden tests and the solution), started alongside the submission's run so it costs no
 * wall time on an idle machine, with a budget of its own (LIST_MS) so a busy one does not
 * cut it at the submission's deadline. Null when there is no reference to list.
 */
const LIST_MS = 90_000;
const lists = new Map<string, Promise<ExpectedTest[] | null>>();

export function expectedTests(
  ctx: GradeContext,
  testsDir: string,
  prepare: (runDir: string) => { grader: string; out: string },
  mounts: (d: { grader: string; out: string }) => { source: string; target: string; readonly: boolean }[],
): Promise<ExpectedTest[] | null> {
  const solution = path.join(ctx.exercise.dir, "solution");
  if (!fs.lstatSync(solution, { throwIfNoEntry: false })?.isDirectory() || fs.readdirSync(solution).length === 0)
    return Promise.resolve(null);
  const key = `${ctx.driver.constructor.name}\0${fingerprint(testsDir)}\0${fingerprint(solution)}`;
  let list = lists.get(key);
  if (!list) {
    list = listReference(ctx, solution, prepare, mounts).catch(() => null);
    lists.set(key, list);
    // A failed listing (the machine was busy past the deadline) is tried again next time.
    void list.then((l) => l === null && lists.delete(key));
  }
  return list;
}

async function listReference(
  ctx: GradeContext,
  solution: string,
  prepare: (runDir: string) => { grader: string; out: string },
  mounts: (d: { grader: string; out: string }) => { source: string; target: string; readonly: boolean }[],
): Promise<ExpectedTest[] | null> {
  const dir = path.join(ctx.runDir, "reference");
  fs.mkdirSync(dir, { mode: 0o755 });
  const work = path.join(dir, "work");
  copyTree(solution, work, { uid: ctx.uid });
  const dirs = prepare(dir);
  const sandbox = await createWithin(
    ctx.driver,
    {
      name: `${ctx.sandboxName}-ref`,
      runtime: ctx.exercise.runtime,
      workspaceDir: work,
      mounts: mounts(dirs),
      limits: sandboxLimits(ctx.exercise.limits),
      uid: ctx.uid,
      network: "none",
    },
    LIST_MS,
  );
  try {
    const run = await runCapped(
      sandbox,
      [
        "node",
        "/node_modules/vitest/vitest.mjs",
        "list",
        "--json=/grader/out/list.json",
        "--config",
        "/grader/vitest.config.mjs",
        "--configLoader",
        "runner",
      ],
      { timeoutMs: LIST_MS },
    );
    if (run.exit.timedOut || run.exit.code !== 0) return null;
    const parsed = JSON.parse(readSandboxFile(path.join(dirs.out, "list.json"))?.toString("utf8") ?? "null") as unknown;
    if (!Array.isArray(parsed) || parsed.length === 0) return null;
    return parsed.flatMap((t: { name?: unknown; file?: unknown }) =>
      typeof t?.name === "string" && typeof t?.file === "string"
        ? [{ file: path.posix.relative("/grader", t.file), name: t.name }]
        : [],
    );
  } finally {
    await sandbox.stop();
    removeTree(dir);
  }
}

/** Paths, sizes and modification times of a folder's files: changes when an author edits it. */
function fingerprint(dir: string): string {
  const h = crypto.createHash("sha256");
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.statSync(p);
        h.update(`${path.relative(dir, p)}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(dir);
  return `${dir}:${h.digest("hex")}`;
}

/**
 * The tests to score: the expected ones, each matched to the submission's run by file and
 * full name (the k-th of a name to the k-th collected). Extra collected tests are ignored;
 * when the run has more tests of a name than the reference (the submission registered
 * look-alikes), the extras are taken to be the passing ones: `credited` is false past the
 * number of passes minus the extras.
 */
export function matchExpected(
  expected: ExpectedTest[],
  collected: { file: string; tests: { id: string; name: string }[] }[],
  passed: (id: string) => boolean,
): { name: string; id: string | null; credited: boolean }[] {
  const key = (file: string, name: string) => `${file}\0${name}`;
  const groups = new Map<string, string[]>();
  for (const f of collected)
    for (const t of f.tests) groups.set(key(f.file, t.name), [...(groups.get(key(f.file, t.name)) ?? []), t.id]);
  const want = new Map<string, number>();
  for (const e of expected) want.set(key(e.file, e.name), (want.get(key(e.file, e.name)) ?? 0) + 1);
  const seen = new Map<string, number>();
  return expected.map((e) => {
    const k = key(e.file, e.name);
    const ids = groups.get(k) ?? [];
    const nth = seen.get(k) ?? 0;
    seen.set(k, nth + 1);
    const credits = ids.filter(passed).length - Math.max(0, ids.length - want.get(k)!);
    return { name: e.name, id: ids[nth] ?? null, credited: nth < credits };
  });
}
