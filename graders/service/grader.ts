import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import type { GradeContext, GraderKind, StepOutcome } from "../kind.ts";
import { truncate } from "../results.ts";
import {
  graderMounts,
  prepareVitestDirs,
  readVitestRecords,
  recordVitestTiming,
  runVitest,
  toOutcome,
} from "../unit/grader.ts";
import { timed } from "../timing.ts";
import { bootService, BootError } from "./boot.ts";
import { controlMounts, prepareControl, serveControl, ServiceControl, type ControlDirs } from "./control.ts";
import { needsService, ServiceStep } from "./step.ts";
import { instanceUrls, startExtraInstances } from "./instances.ts";

type Step = z.infer<typeof ServiceStep>;

/** One failing test carrying the step's points: the step could not run against the service. */
export function bootFailure(
  step: { name: string; category: Step["category"]; points: number },
  message: string,
): StepOutcome {
  // The step's message carries the service output; the test says why, its output field
  // keeps the log (the page showed the output twice, once in each message).
  const cut = message.indexOf("\n\nService output");
  return {
    message: truncate(message, 2000),
    tests: [
      {
        name: step.name,
        status: "fail",
        message: truncate(cut === -1 ? message : message.slice(0, cut), 500),
        output: cut === -1 ? null : truncate(message.slice(cut + 2), 1000),
        task_id: null,
        category: step.category,
        points: 0,
        max_points: step.points,
        duration_ms: null,
      },
    ],
  };
}

/**
 * `service`: boots the learner's service, then runs the exercise's hidden vitest suites in a
 * second sandbox that shares only its loopback; the tests reach it at SERVICE_URL and control
 * its process through /grader/control.mjs.
 */
export const serviceGrader: GraderKind<typeof ServiceStep> = {
  kind: "service",
  step: ServiceStep,
  hidden: (step) => [{ field: "tests", dir: step.tests }],
  check: (step, at) => needsService(step.kind, at),
  async run(ctx: GradeContext<Step>): Promise<StepOutcome> {
    let control!: ControlDirs;
    const dirs = await timed(ctx, "copy-in", () =>
      prepareVitestDirs(
        ctx.runDir,
        path.join(ctx.exercise.dir, ctx.step.tests),
        ctx.uid,
        (grader) => (control = prepareControl(grader, ctx.runDir, ctx.uid)),
      ),
    );
    const urls = instanceUrls(ctx.exercise.service!, ctx.step.instances);
    const vitestEnv = { SERVICE_URL: urls[0]!, SERVICE_URLS: urls.join(","), BACKLAB_SERVICE_GATE: "1" };
    const giveUp = new AbortController();
    let vitest: ReturnType<typeof runVitest> | undefined;
    let booted;
    let extra: Awaited<ReturnType<typeof startExtraInstances>> | undefined;
    try {
      // vitest starts as soon as the grader sandbox exists; its tests wait for gate.mjs.
      booted = await bootService(ctx, [...graderMounts(dirs), ...controlMounts(control)], (grader) => {
        vitest = runVitest(grader, ctx.deadline, {
          env: vitestEnv,
          out: dirs.out,
          onTest: ctx.onTest,
          signal: giveUp.signal,
        });
      });
      if (ctx.step.instances > 1) extra = await startExtraInstances(booted, ctx.step.instances, ctx.deadline);
    } catch (err) {
      giveUp.abort();
      await vitest?.catch(() => {});
      await booted?.stop();
      if (err instanceof BootError) return bootFailure(ctx.step, err.message);
      throw err;
    }
    // The tests' handle on the service: signal, wait, restart, memory, logs (control.ts).
    const channel = serveControl(
      control,
      new ServiceControl(booted.running, booted.grader, ctx.exercise.service!, ctx.deadline),
    );
    const gateOpenedAt = Date.now();
    fs.writeFileSync(path.join(dirs.grader, "ready"), "", { mode: 0o644 });
    try {
      const run = await vitest!;
      const records = readVitestRecords(dirs.out);
      recordVitestTiming(ctx, records, run, gateOpenedAt);
      const outcome = toOutcome(ctx.step, records, run, ctx.exercise.limits.wall_seconds);
      const failed = outcome.tests.some((t) => t.status !== "pass");
      const logs = [booted.logs(), extra?.logs() ?? ""].join("\n").trim();
      if (failed && logs)
        outcome.message = [outcome.message, `Service output (end):\n${logs.slice(-1500)}`].filter(Boolean).join("\n\n");
      return outcome;
    } finally {
      channel.close();
      await extra?.stop();
      await booted.stop();
    }
  },
};
