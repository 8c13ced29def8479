import { z } from "zod";
import type { GraderKind } from "./kind.ts";
import { loadGrader } from "./load/grader.ts";
import { mutationGrader } from "./mutation/grader.ts";
import { securityGrader } from "./security/grader.ts";
import { serviceGrader } from "./service/grader.ts";
import { staticGrader } from "./static/grader.ts";
import { unitGrader } from "./unit/grader.ts";

/**
 * The grader kinds, CTFd-style: one line per kind. Each lives in its own folder, owning its
 * step schema, load-time check, hidden folders and grading (see GraderKind in kind.ts);
 * nothing else in the engine or the lab knows a kind by name.
 */
const KINDS = [unitGrader, serviceGrader, securityGrader, loadGrader, mutationGrader, staticGrader] as const;

/** The kinds' step schemas, as the tuple `z.discriminatedUnion` wants. */
type StepsOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends { step: infer S } ? S : never };

/** One step of exercise.yaml's `grader.steps`: whichever kind's schema its `kind` names. */
export const GraderStep = z.discriminatedUnion("kind", KINDS.map((k) => k.step) as unknown as StepsOf<typeof KINDS>);
export type GraderStep = z.infer<typeof GraderStep>;

const byKind = new Map<string, GraderKind>(KINDS.map((k) => [k.kind, k as unknown as GraderKind]));

export function graderFor(kind: string): GraderKind {
  const g = byKind.get(kind);
  if (!g) throw new Error(`unknown grader kind "${kind}"; known: ${[...byKind.keys()].join(", ")}`);
  return g;
}
