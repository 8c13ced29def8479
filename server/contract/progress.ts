/** A learner's progress (the dashboard): types only, from the route schemas. */
import type { z } from "zod";
import type { Dashboard, LearnerDashboard } from "../progress/routes.ts";

export type ProgressReport = z.infer<typeof Dashboard>;
/** The same report of one learner, for instructors and admins. */
export type LearnerProgress = z.infer<typeof LearnerDashboard>;
/** Exercises passed, points and attempts, overall or of one area. */
export type Tally = ProgressReport["areas"][number];
/** One graded attempt, for the chart of scores over time. */
export type Attempt = ProgressReport["history"][number];
