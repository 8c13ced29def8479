import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { runCapped } from "../sandbox/exec.ts";
import type { GradeContext, GraderKind, StepOutcome } from "../kind.ts";
import { splitPoints } from "../kind.ts";
import { checkSecurityStep, SecurityStep } from "./step.ts";
import { withAdvice } from "../probes/report.ts";
import { truncate, type TestResult } from "../results.ts";
import { bootFailure } from "../service/grader.ts";
import { bootService, BootError } from "../service/boot.ts";

type Step = z.infer<typeof SecurityStep>;

const PROBES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "probes");
/** A probe's own budget inside the grading sandbox. */
const PROBE_BUDGET_MS = 10_000;

/** What graders/probes/main.ts prints (parsed defensively: it has read hostile responses). */
const ProbeRuns = z.array(
  z.object({
    use: z.looseObject({ probe: z.string(), name: z.string().optional() }),
    probe: z.object({ id: z.string(), title: z.string(), owasp: z.string(), cwe: z.string() }).nullable(),
    result: z.object({
      status: z.enum(["pass", "fail", "error"]),
      message: z.string(),
      evidence: z.string().optional(),
      advice: z.string().optional(),
    }),
    duration_ms: z.number(),
  }),
);

/**
 * `security`: boots the learner's service and runs the chosen probes of the library against
 * it from the grader's sandbox. A probe passes only when the attack fails AND the legitimate
 * request still works; each probe is one scored test named after its OWASP category.
 */
export const securityGrader: GraderKind<typeof SecurityStep> = {
  kind: "security",
  step: SecurityStep,
  hidden: () => [],
  check: checkSecurityStep,
  async run(ctx: GradeContext<Step>): Promise<StepOutcome> {
    const grader = path.join(ctx.runDir, "grader");
    const out = path.join(ctx.runDir, "out");
    fs.mkdirSync(grader, { mode: 0o755 });
    fs.copyFileSync(await probesBundle(), path.join(grader, "probes.mjs"));
    fs.writeFileSync(path.join(grader, "uses.json"), JSON.stringify(ctx.step.probes));
    fs.mkdirSync(path.join(grader, "out"));
    fs.mkdirSync(out);
    fs.chownSync(out, ctx.uid, ctx.uid);
    let booted;
    try {
      booted = await bootService(ctx, [
        { source: grader, target: "/grader", readonly: true },
        { source: out, target: "/grader/out", readonly: false },
      ]);
    } catch (err) {
      if (err instanceof BootError) return bootFailure(ctx.step, err.message);
      throw err;
    }
    try {
      const run = await runCapped(
        booted.grader,
        ["node", "/grader/probes.mjs", booted.url, "/grader/uses.json", "--budget-ms", String(PROBE_BUDGET_MS)],
        {
          timeoutMs: Math.max(1000, ctx.deadline - Date.now()),
        },
      );
      const runs = parseRuns(run.output);
      if (!runs) {
        if (run.exit.timedOut)
          return bootFailure(
            ctx.step,
            `The probes did not finish within the time limit of ${ctx.exercise.limits.wall_seconds} s.`,
          );
        throw new Error(
          `the probe runner failed (exit ${run.exit.code ?? run.exit.signal}): ${run.output.slice(-400)}`,
        );
      }
      const points = splitPoints(ctx.step.points, ctx.step.probes.length);
      const tests: TestResult[] = ctx.step.probes.map((use, i) => {
        const r = runs[i];
        const name = String(use.name ?? (r?.probe ? `${r.probe.title} (${r.probe.owasp}, ${r.probe.cwe})` : use.probe));
        const pass = r?.result.status === "pass";
        const message = !r
          ? "Not run."
          : r.result.status === "error"
            ? `The probe could not complete: ${r.result.message}`
            : r.result.status === "fail"
              ? withAdvice(r.result, use.advice)
              : r.result.message;
        ctx.onTest?.({ name, status: pass ? "pass" : "fail" });
        return {
          name,
          status: pass ? "pass" : "fail",
          message: truncate(message, 500),
          output: truncate(r?.result.evidence ?? null),
          task_id: null,
          category: ctx.step.category,
          points: pass ? points[i]! : 0,
          max_points: points[i]!,
          duration_ms: r ? Math.round(r.duration_ms) : null,
        };
      });
      const failed = tests.some((t) => t.status !== "pass");
      const logs = booted.logs().trim();
      return { tests, message: failed && logs ? `Service output (end):\n${logs.slice(-1500)}` : null };
    } finally {
      await booted.stop();
    }
  },
};

let bundle: Promise<string> | undefined;

/**
 * The probe library as one ES module (zod included), built once per lab process: a grading
 * sandbox then starts it with plain node instead of compiling two dozen files with tsx.
 */
export function probesBundle(): Promise<string> {
  bundle ??= (async () => {
    const hash = crypto.createHash("sha256");
    for (const f of fs.readdirSync(PROBES_DIR, { recursive: true }).map(String).sort()) {
      const full = path.join(PROBES_DIR, f);
      if (f.endsWith(".ts") && fs.statSync(full).isFile()) hash.update(f).update(fs.readFileSync(full));
    }
    const out = path.join(os.tmpdir(), `backlab-probes-${hash.digest("hex").slice(0, 16)}.mjs`);
    if (!fs.existsSync(out)) {
      const tmp = `${out}.${process.pid}.tmp`;
      await build({
        entryPoints: [path.join(PROBES_DIR, "main.ts")],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        outfile: tmp,
        logLevel: "error",
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      });
      fs.renameSync(tmp, out);
    }
    return out;
  })();
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

function parseRuns(output: string): z.infer<typeof ProbeRuns> | null {
  // The runner prints one JSON array; anything the sandbox printed before it is ignored.
  const start = output.indexOf("[");
  if (start < 0) return null;
  try {
    const parsed = ProbeRuns.safeParse(JSON.parse(output.slice(start)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
