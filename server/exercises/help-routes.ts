import { z } from "zod";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { route, signedIn, type Route } from "../http/routes.ts";
import type { Catalog } from "./catalog.ts";
import { Help } from "./help.ts";
import { Slug } from "./schema.ts";

const ById = { params: z.object({ id: Slug }) };
const HintOut = z.object({ index: z.number().int(), text: z.string(), revealedAt: z.string() });

type Deps = { db: Database; catalog: Catalog };

/** Hints and the reference solution: always the caller's own record for the exercise. */
export function helpRoutes(deps: Deps): Route[] {
  const help = new Help(deps.db);
  const find = (id: string) => {
    const e = deps.catalog.exercises.get(id);
    if (!e) throw notFound(`The exercise "${id}"`);
    return e;
  };

  return [
    route({
      method: "get",
      path: "/exercises/:id/hints",
      summary: "The hints the caller has revealed for the exercise, and how many there are",
      tag: "exercises",
      auth: signedIn,
      input: ById,
      response: z.object({ total: z.number().int(), revealed: z.array(HintOut), solutionUnlocked: z.boolean() }),
      handler: ({ input, me }) => {
        const e = find(input.params.id);
        return { ...help.hints(me.id, e), solutionUnlocked: help.solutionUnlocked(me.id, e.id) };
      },
    }),
    route({
      method: "post",
      path: "/exercises/:id/hints",
      summary: "Reveal hint `index` (the next one); asking again for a shown hint returns it and reveals nothing more",
      tag: "exercises",
      auth: signedIn,
      input: { ...ById, body: z.object({ index: z.number().int().min(0).max(100) }).strict() },
      response: z.object({ hint: HintOut, total: z.number().int() }),
      handler: ({ input, me }) => {
        const { hint, total } = help.reveal(me.id, find(input.params.id), input.body.index);
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
      response: z.object({ files: z.array(z.object({ path: z.string(), content: z.string() })) }),
      handler: ({ input, me }) => ({ files: help.solution(me.id, find(input.params.id)) }),
    }),
  ];
}
