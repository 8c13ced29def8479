import { z } from "zod";
import type { AccessPolicy, ExerciseUse } from "../access/policy.ts";
import type { User } from "../accounts/schema.ts";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { route, signedIn, type Route } from "../http/routes.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import { Help } from "./help.ts";
import { Slug } from "../../graders/exercise/schema.ts";

const ById = { params: z.object({ id: Slug }) };
const HintOut = z.object({ index: z.number().int(), text: z.string(), revealedAt: z.string() });
export const HintsOut = z.object({ total: z.number().int(), revealed: z.array(HintOut), solutionUnlocked: z.boolean() });
export const RevealedOut = z.object({ hint: HintOut, total: z.number().int() });
export const SolutionOut = z.object({ files: z.array(z.object({ path: z.string(), content: z.string() })) });

type Deps = { db: Database; catalog: Catalog; policy: AccessPolicy };

/** Hints and the reference solution: always the caller's own record for the exercise. */
export function helpRoutes(deps: Deps): Route[] {
  const help = new Help(deps.db);
  const find = (me: User, id: string, how: ExerciseUse) => {
    const e = deps.catalog.exercises.get(id);
    if (!e) throw notFound(`The exercise "${id}"`);
    deps.policy.check(me, e.id, how);
    return e;
  };

  return [
    route({
      method: "get",
      path: "/exercises/:id/hints",
      candidates: true,
      summary: "The hints the caller has revealed for the exercise, and how many there are",
      tag: "exercises",
      auth: signedIn,
      input: ById,
      response: HintsOut,
      handler: ({ input, me }) => {
        const e = find(me, input.params.id, "hints");
        return { ...help.hints(me.id, e), solutionUnlocked: help.solutionUnlocked(me.id, e.id) && deps.policy.allows(me, e.id, "solution") };
      },
    }),
    route({
      method: "post",
      path: "/exercises/:id/hints",
      candidates: true,
      summary: "Reveal hint `index` (the next one); asking again for a shown hint returns it and reveals nothing more",
      tag: "exercises",
      auth: signedIn,
      input: { ...ById, body: z.object({ index: z.number().int().min(0).max(100) }).strict() },
      response: RevealedOut,
      handler: ({ input, me }) => {
        const { hint, total } = help.reveal(me.id, find(me, input.params.id, "hints"), input.body.index);
        return { hint, total };
      },
    }),
    route({
      method: "get",
      path: "/exercises/:id/solution",
      summary: "The reference solution's files, once the caller has a passing submission (403 before)",
      tag: "exercises",
      auth: signedIn,
      input: ById,
      response: SolutionOut,
      handler: ({ input, me }) => ({ files: help.solution(me.id, find(me, input.params.id, "solution")) }),
    }),
  ];
}
