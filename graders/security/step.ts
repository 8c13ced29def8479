import { z } from "zod";
import { Category, StepBase } from "../exercise/fields.ts";
import type { LoadCheck, StepProblem } from "../kind.ts";
import { validateProbeUses } from "../probes/run.ts";
import { needsService } from "../service/step.ts";

/** One probe of the library (graders/probes/), with its own parameters (checked by the probe). */
export const ProbeUse = z.looseObject({ probe: z.string().regex(/^[a-z0-9-]+$/) });

/** `security`: probes from the library attack the booted service; each a scored test. */
export const SecurityStep = StepBase.extend({
  kind: z.literal("security"),
  category: Category.default("security"),
  probes: z.array(ProbeUse).min(1).max(50),
  points: z.number().positive().max(1000),
});

export type SecurityStep = z.infer<typeof SecurityStep>;

/** The service section, then every probe's own parameters (all of them at once). */
export function checkSecurityStep(step: SecurityStep, at: LoadCheck): StepProblem[] {
  const service = needsService(step.kind, at);
  if (service.length) return service;
  return validateProbeUses(step.probes).map((b) => ({
    field: `${at.where}.probes.${b.index}${b.field ? `.${b.field}` : ""}`,
    message: b.message,
  }));
}
