import type { z } from "zod";
import type { GradeContext, GraderKind, StepOutcome } from "../kind.ts";
import { splitPoints } from "../kind.ts";
import { StaticStep } from "./step.ts";
import type { TestResult } from "../results.ts";
import { checkRelativePath, readSubmissionFile, type FileRead } from "./files.ts";
import { ruleFor, rules } from "./rules/index.ts";
import { cap } from "./rules/types.ts";

type Step = z.infer<typeof StaticStep>;

/**
 * `static`: rules over files of the submission (a Dockerfile, a CI workflow), checked on the
 * host without executing anything. Each rule is one scored test with a message that says what
 * is wrong, where, and how to fix it.
 */
export const staticGrader: GraderKind<typeof StaticStep> = {
  kind: "static",
  step: StaticStep,
  hidden: (step) =>
    step.rules.flatMap(({ rule: id, file: _file, ...raw }, i) => {
      const rule = rules.get(id);
      const parsed = rule?.hidden ? rule.params.safeParse(raw) : null;
      return parsed?.success ? rule!.hidden!(parsed.data).map((dir) => ({ field: `rules.${i}`, dir })) : [];
    }),
  async run(ctx: GradeContext<Step>): Promise<StepOutcome> {
    const { step } = ctx;
    // Check the whole step first: an unknown rule, bad parameters or a path outside the
    // submission is the exercise's mistake and fails loudly, before anything is graded.
    const seen = new Set<string>();
    const checks = step.rules.map(({ rule: id, file, ...raw }) => {
      const rule = ruleFor(id);
      checkRelativePath(file, `file of rule "${id}"`);
      const parsed = rule.params.safeParse(raw);
      if (!parsed.success)
        throw new Error(
          `rule "${id}" on ${file}: bad parameters: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(params)"}: ${i.message}`).join("; ")}`,
        );
      const title = rule.titleFor?.(parsed.data) ?? rule.title;
      const key = `${title}\0${file}`;
      if (seen.has(key)) throw new Error(`rule "${id}" is listed twice for ${file}`);
      seen.add(key);
      return { rule, file, params: parsed.data, title };
    });

    const points = splitPoints(step.points, checks.length);
    const reads = new Map<string, FileRead>();
    const tests: TestResult[] = [];
    const ruleCtx = { exerciseDir: ctx.exercise.dir, deadline: ctx.deadline };
    for (const [i, { rule, file, params, title }] of checks.entries()) {
      const started = performance.now();
      let read = reads.get(file);
      if (!read) reads.set(file, (read = readSubmissionFile(ctx.submissionDir, file)));
      const r = read.ok ? await rule.run(read.text, params, ruleCtx) : { pass: false, message: read.message };
      const max = points[i]!;
      ctx.onTest?.({ name: `${file}: ${title}`, status: r.pass ? "pass" : "fail" });
      tests.push({
        name: `${file}: ${title}`,
        status: r.pass ? "pass" : "fail",
        message: cap(r.message) || null,
        output: null,
        task_id: null,
        category: step.category,
        points: r.pass ? max : 0,
        max_points: max,
        duration_ms: Math.round(performance.now() - started),
      });
    }
    return { tests, message: null };
  },
};
