import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { Slug } from "./fields.ts";

/**
 * A learning path: exercises in the order a goal wants them ("the seed's implementation
 * checklist", "OWASP 2025"). Paths live in one file, `exercises/paths.yaml`, next to the
 * areas; the catalog shows each with the learner's progress along it, and a cohort can take
 * one as its track.
 */
export const PathSpec = z
  .object({
    id: Slug,
    title: z.string().min(3).max(80),
    description: z.string().min(10).max(300),
    exercises: z
      .array(Slug)
      .min(2)
      .max(40)
      .refine((a) => new Set(a).size === a.length, "each exercise once"),
  })
  .strict();
export type LearningPath = z.infer<typeof PathSpec>;

export const PathsFile = z.object({ paths: z.array(z.unknown()).max(50) }).strict();

export const PATHS_FILE = "paths.yaml";

type Problem = { path: string; field: string; message: string };

/**
 * Reads `<root>/paths.yaml` (absent: no paths). A path that fails its schema, repeats an id or
 * names an exercise the catalog lacks is reported with its field and left out, as a broken
 * exercise is; the others load.
 */
export function loadPaths(
  root: string,
  exerciseIds: ReadonlySet<string>,
): { paths: LearningPath[]; problems: Problem[] } {
  const file = path.join(root, PATHS_FILE);
  if (!fs.existsSync(file)) return { paths: [], problems: [] };
  const problems: Problem[] = [];
  const fail = (field: string, message: string) => ({ paths: [], problems: [{ path: file, field, message }] });
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, "utf8"), { maxAliasCount: 50 });
  } catch (err) {
    return fail("", `not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const top = PathsFile.safeParse(raw);
  if (!top.success) return fail(top.error.issues[0]!.path.join(".") || "(root)", top.error.issues[0]!.message);
  const paths: LearningPath[] = [];
  for (const [i, entry] of top.data.paths.entries()) {
    const where = `paths.${i}`;
    const parsed = PathSpec.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ path: file, field: [where, ...issue.path].join("."), message: issue.message });
      continue;
    }
    const p = parsed.data;
    if (paths.some((q) => q.id === p.id)) {
      problems.push({ path: file, field: `${where}.id`, message: `duplicate path id "${p.id}"` });
      continue;
    }
    const missing = p.exercises.filter((id) => !exerciseIds.has(id));
    if (missing.length) {
      problems.push({
        path: file,
        field: `${where}.exercises`,
        message: `names exercise(s) the catalog does not have: ${missing.join(", ")}`,
      });
      continue;
    }
    paths.push(p);
  }
  return { paths, problems };
}
