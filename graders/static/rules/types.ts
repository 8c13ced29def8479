import { z } from "zod";

/** What a rule says about one file: whether it passes, and a message that teaches (≤ 500 chars). */
export type RuleResult = { pass: boolean; message: string };

export interface Rule<P extends object = object> {
  /** `area/name`, as written in exercise.yaml (`rule: dockerfile/non-root`). */
  readonly id: string;
  /** Names the scored test: "<file>: <title>", e.g. "Dockerfile: runs as a non-root user". */
  readonly title: string;
  /** The rule's parameters (the step entry minus `rule` and `file`); strict, so a typo fails loudly. */
  readonly params: z.ZodType<P>;
  /** A title that depends on the parameters (a rule listed more than once for one file). */
  titleFor?(params: P): string;
  /** The folders under the exercise that the rule reads (hidden test data), from its parameters. */
  hidden?(params: P): string[];
  run(fileText: string, params: P, ctx: RuleContext): RuleResult | Promise<RuleResult>;
}

/** What a rule may know beyond the file: the exercise's folder (hidden data) and the step's deadline. */
export type RuleContext = { exerciseDir: string; deadline: number };

export const NO_PARAMS = z.object({}).strict();

/** Erases a rule's parameter type so rules of different shapes share one registry. */
export function defineRule<P extends object>(rule: Rule<P>): Rule {
  return rule as unknown as Rule;
}

export const MAX_RULE_MESSAGE = 500;

/** Keeps a message within 500 characters, cutting a list of findings rather than the advice. */
export function cap(message: string): string {
  if (message.length <= MAX_RULE_MESSAGE) return message;
  return message.slice(0, MAX_RULE_MESSAGE - 1) + "…";
}

/** "a, b and 3 more" — lists findings without blowing the message budget. */
export function listSome(items: string[], max = 3): string {
  if (items.length <= max) return items.join("; ");
  return `${items.slice(0, max).join("; ")}; and ${items.length - max} more`;
}
