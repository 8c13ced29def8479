import { ciRules } from "./ci.ts";
import { dockerfileRules } from "./dockerfile.ts";
import type { Rule } from "./types.ts";

export type { Rule, RuleResult } from "./types.ts";

/** Every static rule, by id (`dockerfile/non-root`). An exercise names them in its `static` step. */
export const rules: ReadonlyMap<string, Rule> = new Map([...dockerfileRules, ...ciRules].map((r) => [r.id, r]));

/** The rule with this id; an unknown id throws (the exercise is broken, not the submission). */
export function ruleFor(id: string): Rule {
  const r = rules.get(id);
  if (!r) throw new Error(`unknown static rule "${id}"; known: ${[...rules.keys()].join(", ")}`);
  return r;
}
