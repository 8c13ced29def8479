import { z } from "zod";
import { notFound } from "../errors.ts";
import { roles, route, signedIn, type Route } from "../http/routes.ts";
import type { Progress } from "./service.ts";

const Tally = {
  passed: z.number().int(),
  total: z.number().int(),
  points: z.number(),
  maxPoints: z.number(),
  attempts: z.number().int(),
};
const Score = z.object({ score: z.number(), maxScore: z.number() });

export const Dashboard = z.object({
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
    z.object({
      submissionId: z.number().int(),
      exerciseId: z.string(),
      createdAt: z.string(),
      status: z.enum(["pass", "fail"]),
      score: z.number(),
      maxScore: z.number(),
    }),
  ),
});

/** One learner's dashboard, for instructors and admins. */
export const LearnerDashboard = Dashboard.extend({
  user: z.object({ id: z.number().int(), email: z.string(), displayName: z.string(), role: z.string() }),
});

/**
 * GET /progress: the signed-in learner's own progress. GET /users/:id/progress: the same
 * view of one learner for instructors and admins (a learner asking gets 403, an unknown id 404).
 */
export function progressRoutes(progress: Progress): Route[] {
  return [
    route({
      method: "get",
      path: "/progress",
      scope: "progress:read",
      summary: "The caller's progress: overall, per area, per exercise, and scores over time",
      tag: "progress",
      auth: signedIn,
      input: { query: z.object({}).strict() },
      response: Dashboard,
      handler: ({ me }) => progress.dashboard(me.id),
    }),
    route({
      method: "get",
      path: "/users/:id/progress",
      scope: "progress:read",
      summary: "One learner's progress, for instructors and admins",
      tag: "progress",
      auth: roles("instructor", "admin"),
      input: {
        params: z.object({
          id: z.coerce
            .number()
            .int()
            .positive()
            .max(2 ** 31),
        }),
        query: z.object({}).strict(),
      },
      response: LearnerDashboard,
      handler: ({ input }) => {
        const user = progress.learner(input.params.id);
        if (!user) throw notFound("The user");
        return { user, ...progress.dashboard(user.id) };
      },
    }),
  ];
}
