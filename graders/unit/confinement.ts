/**
 * The grading bench's confinement comparison (server/bench/grading.ts, issue 23's "grading
 * time does not grow by more than 10 %"): while `withoutConfinement` runs, the unit and
 * mutation kinds write their vitest config with the permission model, the import guards,
 * shield.mjs and source-guard.mjs turned off (runner and reporter stay). It is a flag of this
 * process set only by that function, which only the bench imports (confinement.test.ts checks
 * it): no environment variable, option, route or exercise file reaches it.
 */
let off = false;

export async function withoutConfinement<T>(fn: () => Promise<T>): Promise<T> {
  off = true;
  try {
    return await fn();
  } finally {
    off = false;
  }
}

/** True only inside the bench's `withoutConfinement`. */
export function confinementOff(): boolean {
  return off;
}

/** The line of graders/unit/vitest.config.mjs that the bench's copy turns on. */
export const CONFINED_LINE = "const UNCONFINED = false;";

/** The unit kind's config as written into a grading's /grader. */
export function unitConfig(text: string): string {
  if (!confinementOff()) return text;
  if (!text.includes(CONFINED_LINE)) throw new Error(`vitest.config.mjs lost its line “${CONFINED_LINE}”`);
  return text.replace(CONFINED_LINE, "const UNCONFINED = true;");
}
