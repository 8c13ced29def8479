import { z } from "zod";
import type { AccessPolicy, ExerciseUse } from "../access/policy.ts";
import type { User } from "../accounts/schema.ts";
import { notFound } from "../errors.ts";
import { route, signedIn, type Route } from "../http/routes.ts";
import type { Progress } from "../progress/service.ts";
import type { Workspaces } from "../workspaces/service.ts";
import type { Catalog, Exercise } from "../../graders/exercise/catalog.ts";
import { AREAS, Slug } from "../../graders/exercise/schema.ts";

const ById = { params: z.object({ id: Slug }) };
const EmptyBody = { ...ById, body: z.object({}).strict() };

const Score = z.object({ score: z.number(), maxScore: z.number() });
const Standing = {
  status: z.enum(["not_started", "in_progress", "passed"]),
  best: Score.nullable(),
  attempts: z.number().int(),
  lastAttemptAt: z.string().nullable(),
  /** Listed but closed to the caller (a cohort has not unlocked it, for instance). */
  locked: z.boolean(),
};
const Card = z.object({
  id: z.string(),
  title: z.string(),
  area: z.string(),
  difficulty: z.string(),
  estimatedMinutes: z.number(),
  summary: z.string(),
  /** The exercise's topics and its grader kinds (security, mutation, load…): what the catalog search reads. */
  topics: z.array(z.string()),
  maxScore: z.number(),
});
/** A learning path (exercises/paths.yaml): exercise ids in the path's order; the cards carry the standing. */
const PathOut = z.object({ id: z.string(), title: z.string(), description: z.string(), exercises: z.array(z.string()) });
/** The catalog: areas that have exercises, every exercise with the caller's standing, and the learning paths. */
export const CatalogOut = z.object({
  areas: z.array(z.object({ id: z.string(), title: z.string(), description: z.string() })),
  exercises: z.array(Card.extend(Standing)),
  paths: z.array(PathOut),
});
export const ExerciseOut = z.object({ exercise: Card.extend({ readme: z.string() }) });
export const WorkspaceOut = z.object({ workspace: z.object({ id: z.number().int(), exerciseId: z.string() }) });

function card(e: Exercise): z.infer<typeof Card> {
  return { id: e.id, title: e.title, area: e.area, difficulty: e.difficulty, estimatedMinutes: e.estimated_minutes, summary: e.summary, topics: [...new Set([...e.topics, ...e.grader.steps.map((st) => st.kind)])], maxScore: e.maxScore };
}

type Deps = { catalog: Catalog; workspaces: Workspaces; progress: Progress; policy: AccessPolicy };

export function exercisesRoutes(deps: Deps): Route[] {
  const find = (id: string) => {
    const e = deps.catalog.exercises.get(id);
    if (!e) throw notFound(`The exercise "${id}"`);
    return e;
  };
  /** The exercise, if the access policy lets this caller use it this way. */
  const use = (me: User, id: string, how: ExerciseUse) => {
    const e = find(id);
    deps.policy.check(me, e.id, how);
    return e;
  };

  return [
    route({
      method: "get",
      path: "/exercises",
      scope: "exercises:read",
      summary: "The catalog by area, with the caller's status, best score and attempts per exercise, and the learning paths",
      tag: "exercises",
      auth: signedIn,
      response: CatalogOut,
      // Every card carries the learner's status and best score, read in one query.
      handler: ({ me }) => {
        const mine = deps.progress.byExercise(me.id);
        const exercises = [...deps.catalog.exercises.values()]
          .sort((a, b) => a.title.localeCompare(b.title))
          .map((e) => ({ ...card(e), ...deps.progress.of(mine, e.id), locked: !deps.policy.allows(me, e.id, "open") }));
        const used = new Set(exercises.map((e) => e.area));
        const paths = (deps.catalog.paths ?? []).map(({ id, title, description, exercises: ids }) => ({ id, title, description, exercises: ids }));
        return { areas: AREAS.filter((a) => used.has(a.id)), exercises, paths };
      },
    }),
    route({
      method: "get",
      path: "/exercises/:id",
      scope: "exercises:read",
      summary: "One exercise with its instructions (markdown)",
      tag: "exercises",
      auth: signedIn,
      input: ById,
      candidates: true,
      response: ExerciseOut,
      handler: ({ input, me }) => {
        const e = use(me, input.params.id, "view");
        return { exercise: { ...card(e), readme: e.readme } };
      },
    }),
    route({
      method: "post",
      path: "/exercises/:id/workspace",
      summary: "Open (and the first time create) the caller's workspace for an exercise",
      tag: "exercises",
      auth: signedIn,
      input: EmptyBody,
      candidates: true,
      response: WorkspaceOut,
      handler: ({ input, me }) => {
        const ws = deps.workspaces.open(me.id, use(me, input.params.id, "open"));
        return { workspace: { id: ws.id, exerciseId: ws.exerciseId } };
      },
    }),
  ];
}
