import { z } from "zod";
import { InsidePath, StepBase } from "../exercise/fields.ts";
import type { LoadCheck, StepProblem } from "../kind.ts";

/**
 * `service`: the learner's service is booted (see `service:` in exercise.yaml) and hidden
 * vitest suites run against it from a separate sandbox that shares only its network (SERVICE_URL).
 */
export const ServiceStep = StepBase.extend({
  kind: z.literal("service"),
  tests: InsidePath,
  /**
   * How many instances of the learner's service the tests get (a limiter or cache shared
   * through a backing service): the same sandbox, ports `port`, `port + 1`, … (SERVICE_URLS).
   */
  instances: z.number().int().min(1).max(4).default(1),
  points: z.number().positive().max(1000),
});

export type ServiceStep = z.infer<typeof ServiceStep>;

/** The load-time check of every step that boots the learner's service (this kind, security, load). */
export function needsService(kind: string, at: LoadCheck): StepProblem[] {
  return at.spec.service
    ? []
    : [{ field: "service", message: `a ${kind} step needs a "service" section saying how to start the service` }];
}
