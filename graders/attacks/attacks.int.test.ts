import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import type { Results } from "../results.ts";
import { grade } from "../run.ts";
import { ATTACKS_DIR, buildAttack, listAttacks, type Attack } from "./corpus.ts";

/**
 * The attack corpus (graders/attacks/README.md) against real sandboxes on both drivers: each
 * hostile submission scores what the same submission without the attack scores, or less
 * when the attack breaks its own run, never more. Unit attacks sit on code-patterns/
 * token-bucket's starter (issue 23's case); mutation attacks on the mutation kind's `fail`
 * fixture, whose honest tests kill 2 of 4 mutants.
 */
const ROOT_DIR = path.resolve(ATTACKS_DIR, "..", "..");
let root: string;
let n = 0;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-attacks-"));
  fs.chmodSync(root, 0o711);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function load(dir: string): Exercise {
  const loaded = loadExercise(dir, path.basename(path.dirname(dir)), path.basename(dir));
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

const unitExercise = () => load(path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket"));
/** The mutation fixture, copied under an area folder as the loader wants. */
function mutationExercise(): Exercise {
  const dir = path.join(root, "exercises", "testing", "fail");
  if (!fs.existsSync(dir))
    fs.cpSync(path.join(ATTACKS_DIR, "..", "mutation", "fixtures", "fail"), dir, { recursive: true });
  return load(dir);
}

const drivers: Record<string, () => Promise<SandboxDriver>> = {
  bwrap: () => openTestDriver("bwrap", { stateDir: root, labId: `atk${process.pid}` }),
  docker: () => openTestDriver("docker", { stateDir: root, labId: `atkd${process.pid}` }),
};

function check(attack: Attack, honest: Results, attacked: Results): void {
  const why = `${attack.name}: ${attack.why}`;
  expect(attacked.status, why).not.toBe("error");
  if (attack.open) expect(attacked.score, `${why} (open gap: ${attack.open})`).toBeGreaterThan(honest.score);
  else if (attack.expect === "honest") expect(attacked.score, why).toBe(honest.score);
  else expect(attacked.score, why).toBeLessThanOrEqual(honest.score);
  if (attack.message) expect(attacked.message ?? "", why).toMatch(new RegExp(attack.message));
  if (attack.not_in_results) expect(JSON.stringify(attacked), why).not.toContain(attack.not_in_results);
}

for (const [name, make] of Object.entries(drivers)) {
  describe(`the attack corpus on ${name}`, () => {
    let driver: SandboxDriver;
    const run = (exercise: Exercise, dir: string): Promise<Results> =>
      grade({
        exercise,
        submissionDir: dir,
        workDir: path.join(root, `run-${++n}`),
        driver,
        uid: 275_000 + n,
        name: `atk-${process.pid}-${n}`,
      });

    beforeAll(async () => {
      driver = await make();
      expect(await driver.available()).toMatchObject({ ok: true });
    }, 300_000);
    afterAll(async () => {
      await (driver as unknown as { reap?: () => Promise<unknown> } | undefined)?.reap?.();
    });

    describe("unit", () => {
      const exercise = unitExercise();
      const starter = path.join(exercise.dir, "starter");
      let honest: Results;
      beforeAll(async () => {
        honest = await run(exercise, starter);
        expect(honest.score).toBeGreaterThan(0);
        expect(honest.score).toBeLessThan(honest.max_score);
      }, 120_000);
      for (const attack of listAttacks("unit")) {
        it(`${attack.name} ${attack.open ? "still beats the honest score (an open gap)" : attack.expect === "honest" ? "scores the honest score" : "scores no more than the honest score"}`, async () => {
          const dir = buildAttack(attack, starter, path.join(root, `attack-${++n}`), "src/token-bucket.ts");
          try {
            check(attack, honest, await run(exercise, dir));
          } finally {
            fs.rmSync(dir, { recursive: true, force: true });
          }
        }, 180_000);
      }
    });

    describe("mutation", () => {
      let exercise: Exercise;
      let honest: Results;
      beforeAll(async () => {
        exercise = mutationExercise();
        honest = await run(exercise, path.join(exercise.dir, "submission"));
        expect(honest.score).toBeGreaterThan(0);
        expect(honest.score).toBeLessThan(honest.max_score);
      }, 300_000);
      for (const attack of listAttacks("mutation")) {
        it(`${attack.name} ${attack.open ? "still beats the honest score (an open gap)" : attack.expect === "honest" ? "scores the honest score" : "scores no more than the honest score"}`, async () => {
          const dir = buildAttack(attack, path.join(exercise.dir, "submission"), path.join(root, `attack-${++n}`));
          try {
            check(attack, honest, await run(exercise, dir));
          } finally {
            fs.rmSync(dir, { recursive: true, force: true });
          }
        }, 300_000);
      }
    });
  });
}
