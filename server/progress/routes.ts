import { z } from "zod";
import { route, signedIn, type Route } from "../http/routes.ts";
import type { Progress } from "./service.ts";

const Tally = { passed: z.number().int(), total: z.number().int(), points: z.number(), maxPoints: z.number(), attempts: z.number().int() };
const Score = z.object({ score: z.number(), maxScore: z.number() });

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
        overall: z.object({ ...Tally, inProgress: z.number().int() }),
        areas: z.array(z.object({ ...Tally, id: z.string(), title: z.string() })),
        exercises: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            area: z.string(),
            maxScore: z.number(),
            status: z.enum(["not_started", "in_progress", "passed"]),
            best: Score.nullable(),
            attempts: z.number().int(),
            lastAttemptAt: z.string().nullable(),
          }),
        ),
        // Graded attempts, oldest first, for the chart of scores over time.
        history: z.array(
          z.object({ submissionId: z.number().int(), exerciseId: z.string(), createdAt: z.string(), status: z.enum(["pass", "fail"]), score: z.number(), maxScore: z.number() }),
        ),
      }),
      handler: ({ me }) => progress.dashboard(me.id),
    }),
  ];
}
