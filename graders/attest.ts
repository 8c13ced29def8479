import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Exercise } from "./exercise/catalog.ts";
import type { Results } from "./results.ts";

/**
 * Hash of everything hidden that decided a grade: exercise.yaml and every file of the
 * folders its steps read (hidden tests, mutants, the reference for mutation). A reviewer
 * can tell later whether a result came from the suite they know.
 */
export function suiteHash(exercise: Exercise): string {
  const h = crypto.createHash("sha256");
  h.update(fs.readFileSync(path.join(exercise.dir, "exercise.yaml")));
  const dirs = new Set<string>();
  for (const step of exercise.grader.steps) {
    if (step.kind === "unit" || step.kind === "service") dirs.add(step.tests);
    if (step.kind === "mutation") {
      dirs.add(step.reference);
      dirs.add(step.mutants);
    }
  }
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

export type Attestation = { algorithm: "HMAC-SHA256"; suite_hash: string; sandbox: string; signature: string };

/** The signed statement: this submission of this exercise got these results from this suite in this sandbox. */
function payload(submissionId: number, exerciseId: string, results: Results, suite: string, sandbox: string): string {
  return JSON.stringify({ submission: submissionId, exercise: exerciseId, suite_hash: suite, sandbox, results });
}

export function sign(secret: Buffer, submissionId: number, exerciseId: string, results: Results, suite: string, sandbox: string): Attestation {
  const signature = crypto.createHmac("sha256", secret).update(payload(submissionId, exerciseId, results, suite, sandbox)).digest("hex");
  return { algorithm: "HMAC-SHA256", suite_hash: suite, sandbox, signature };
}

export function verify(secret: Buffer, submissionId: number, exerciseId: string, results: Results, a: Attestation): boolean {
  const expected = Buffer.from(sign(secret, submissionId, exerciseId, results, a.suite_hash, a.sandbox).signature, "hex");
  const given = Buffer.from(a.signature, "hex");
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** The lab's signing secret: made once, kept in DATA_DIR, readable by the lab only. */
export function labSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, "secret.key");
  try {
    return fs.readFileSync(file);
  } catch {
    const secret = crypto.randomBytes(32);
    fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
    return fs.readFileSync(file);
  }
}
