/** The catalog, an exercise, its workspace, hints and solution: types only, from the route schemas. */
import type { z } from "zod";
import type { HintsOut, RevealedOut, SolutionOut } from "../exercises/help-routes.ts";
import type { CatalogOut, ExerciseOut, WorkspaceOut } from "../exercises/routes.ts";

export type Catalog = z.infer<typeof CatalogOut>;
export type Area = Catalog["areas"][number];
/** A catalog card with the caller's standing. */
export type ExerciseSummary = Catalog["exercises"][number];
/** not_started: never opened; in_progress: opened or submitted; passed: a submission passed every test. */
export type ExerciseStatus = ExerciseSummary["status"];
export type Score = NonNullable<ExerciseSummary["best"]>;
/** One exercise with its instructions (markdown). */
export type Exercise = z.infer<typeof ExerciseOut>["exercise"];
export type Workspace = z.infer<typeof WorkspaceOut>["workspace"];

export type HintState = z.infer<typeof HintsOut>;
export type RevealedHint = z.infer<typeof RevealedOut>["hint"];
export type Revealed = z.infer<typeof RevealedOut>;
export type SolutionFile = z.infer<typeof SolutionOut>["files"][number];
