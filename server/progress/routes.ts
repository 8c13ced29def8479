import { z } from "zod";
import { route, signedIn, type Route } from "../http/routes.ts";
import type { Progress } from "./service.ts";

const Tally = { passed: z.number(), total: z.number(), points: z.number(), maxPoints: z.number(), attempts: z.number() };

/** The signed-in learner's own progress; nobody else's data is reachable from here. */
export function progressRoutes(progress: Progress): Route[] {
  return [
    route({
      method: "get",
      path: "/progress",
      summary: "The caller's progress: overall, per area, per exercise, and scores over time",
      tag: "progress",
      auth: signedIn,
      input: { query: z.object({}).strict() },
      response: z.object({
        overall: z.object({ ...Tally, inProgress: z.number() }),
        areas: z.array(z.object({ ...Tally, id: z.string(), title: z.string() })),
        exercises: z.array(z.looseObject({ id: z.string(), status: z.string() })),
        history: z.array(z.looseObject({ submissionId: z.number(), exerciseId: z.string(), score: z.number() })),
      }),
      handler: ({ me }) => progress.dashboard(me.id),
    }),
  ];
}
