import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Results } from "../../graders/results.ts";

// Signing belongs to the lab: the secret is the lab's (DATA_DIR/secret.key). The engine
// only says what a result depends on (graders/suite-hash.ts, Sandbox identity).

export type Attestation = { algorithm: "HMAC-SHA256"; suite_hash: string; sandbox: string; signature: string };

/** The signed statement: this submission of this exercise got these results from this suite in this sandbox. */
function payload(submissionId: number, exerciseId: string, results: Results, suite: string, sandbox: string): string {
  return JSON.stringify({ submission: submissionId, exercise: exerciseId, suite_hash: suite, sandbox, results });
}

export function sign(
  secret: Buffer,
  submissionId: number,
  exerciseId: string,
  results: Results,
  suite: string,
  sandbox: string,
): Attestation {
  const signature = crypto
    .createHmac("sha256", secret)
    .update(payload(submissionId, exerciseId, results, suite, sandbox))
    .digest("hex");
  return { algorithm: "HMAC-SHA256", suite_hash: suite, sandbox, signature };
}

export function verify(
  secret: Buffer,
  submissionId: number,
  exerciseId: string,
  results: Results,
  a: Attestation,
): boolean {
  const expected = Buffer.from(
    sign(secret, submissionId, exerciseId, results, a.suite_hash, a.sandbox).signature,
    "hex",
  );
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
