import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Exercise } from "./exercise/catalog.ts";
import { graderFor } from "./registry.ts";

/**
 * Hash of everything hidden that decided a grade: exercise.yaml and every file of the
 * folders its steps read, as each kind declares them (`GraderKind.hidden`: hidden tests,
 * mutants, compatible variants, the reference). The lab signs it into every result, so a
 * reviewer can tell later whether a result came from the suite they know.
 */
export function suiteHash(exercise: Exercise): string {
  const h = crypto.createHash("sha256");
  h.update(fs.readFileSync(path.join(exercise.dir, "exercise.yaml")));
  const dirs = new Set<string>();
  for (const step of exercise.grader.steps)
    for (const hidden of graderFor(step.kind).hidden(step)) dirs.add(hidden.dir);
  for (const dir of [...dirs].sort()) {
    for (const rel of listFiles(path.join(exercise.dir, dir))) {
      h.update(`\0${dir}/${rel}\0`);
      h.update(fs.readFileSync(path.join(exercise.dir, dir, rel)));
    }
  }
  return h.digest("hex");
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), `${prefix}${e.name}/`));
    else if (e.isFile()) out.push(`${prefix}${e.name}`);
  }
  return out;
}
