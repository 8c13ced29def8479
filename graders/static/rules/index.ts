import { ciRules } from "./ci.ts";
import { ciSupplyRules } from "./ci-supply.ts";
import { dockerfileRules } from "./dockerfile.ts";
import { k8sRules } from "./k8s.ts";
import { npmRules } from "./npm.ts";
import { promtoolRules } from "./promtool.ts";
import type { Rule } from "./types.ts";

export type { Rule, RuleResult } from "./types.ts";

/** Every static rule, by id (`dockerfile/non-root`). An exercise names them in its `static` step. */
export const rules: ReadonlyMap<string, Rule> = new Map(
  [...dockerfileRules, ...ciRules, ...ciSupplyRules, ...npmRules, ...k8sRules, ...promtoolRules].map((r) => [r.id, r]),
);

/** The rule with this id; an unknown id throws (the exercise is broken, not the submission). */
export function ruleFor(id: string): Rule {
  const r = rules.get(id);
  if (!r) throw new Error(`unknown static rule "${id}"; known: ${[...rules.keys()].join(", ")}`);
  return r;
}
