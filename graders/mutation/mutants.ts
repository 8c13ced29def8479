import fs from "node:fs";
import path from "node:path";

/** A mutant (or a compatible variant): files of the reference it replaces, and its test's name. */
export type Mutant = { folder: string; dir: string; name: string; files: string[] };

/** Files at a mutant folder's top that describe it; they are not part of the mutant's code. */
const DESCRIPTION_FILES = ["mutant.txt", "README.md", "README"];

/** `tests` from exercise.yaml is a folder in the workspace: relative, plain names, no `..`. */
export function checkTestsPath(tests: string): string {
  const parts = tests.split("/").filter((p) => p !== "" && p !== ".");
  if (tests.startsWith("/") || parts.length === 0 || parts.some((p) => p === ".." || !/^[A-Za-z0-9._-]+$/.test(p))) {
    throw new Error(
      `the mutation step's tests folder "${tests}" must be a relative folder of the workspace (letters, digits, ".", "_", "-")`,
    );
  }
  return parts.join("/");
}

/** The mutant folders, sorted, each with its description and the files it overlays. */
export function listMutants(dir: string, shown: string, reference: string, tests: string, label = "Mutant"): Mutant[] {
  if (!isRealDir(dir)) throw new Error(`the mutants folder "${shown}" does not exist in the exercise`);
  const folders = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (folders.length === 0)
    throw new Error(
      `the mutants folder "${shown}" has no mutants (one sub-folder per mutant, each overlaying files of the reference)`,
    );
  const mutants = folders.map((folder) => {
    const mdir = path.join(dir, folder);
    const files = listFiles(mdir).filter((f) => !DESCRIPTION_FILES.includes(f));
    if (files.length === 0) throw new Error(`mutant "${folder}" changes no file of the reference`);
    for (const f of files) {
      if (f === tests || f.startsWith(`${tests}/`))
        throw new Error(`mutant "${folder}" changes ${f}, but the ${tests}/ folder is replaced by the learner's tests`);
      if (!fs.lstatSync(path.join(reference, f), { throwIfNoEntry: false })?.isFile())
        throw new Error(`mutant "${folder}" overlays ${f}, which is not a file of the reference`);
    }
    return { folder, dir: mdir, name: `${label}: ${describe(mdir) ?? folder}`, files };
  });
  // Two mutants described alike would make two tests of the same name: add the folder.
  const count = new Map<string, number>();
  for (const m of mutants) count.set(m.name, (count.get(m.name) ?? 0) + 1);
  return mutants.map((m) => (count.get(m.name)! > 1 ? { ...m, name: `${m.name} (${m.folder})` } : m));
}

/** The first non-empty line of mutant.txt, README.md or README, without Markdown's `#`. */
function describe(mdir: string): string | null {
  for (const f of DESCRIPTION_FILES) {
    const p = path.join(mdir, f);
    if (!fs.lstatSync(p, { throwIfNoEntry: false })?.isFile()) continue;
    const line = fs
      .readFileSync(p, "utf8")
      .split("\n")
      .map((l) => l.replace(/^#+\s*/, "").trim())
      .find(Boolean);
    if (line) return line.slice(0, 100);
  }
  return null;
}

/** Regular files under `dir`, relative, `/`-separated; symlinks and special files are refused. */
function listFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else if (e.isFile()) out.push(r);
    else throw new Error(`${path.join(dir, r)} is not a regular file or folder`);
  }
  return out;
}

export function isRealDir(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
