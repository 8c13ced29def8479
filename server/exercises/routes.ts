import { z } from "zod";
import type { AccessPolicy, ExerciseUse } from "../access/policy.ts";
import type { User } from "../accounts/schema.ts";
import type { Database } from "../db/database.ts";
import { notFound } from "../errors.ts";
import type { Grading, SubmissionEvent } from "../grading/service.ts";
import { owner, route, signedIn, type Route } from "../http/routes.ts";
import type { Progress } from "../progress/service.ts";
import type { Workspaces } from "../workspaces/service.ts";
import type { Catalog, Exercise } from "../../graders/exercise/catalog.ts";
import { AREAS, Slug } from "../../graders/exercise/schema.ts";

const ById = { params: z.object({ id: Slug }) };
const SubmissionById = { params: z.object({ id: z.coerce.number().int().positive().max(2 ** 31) }) };
const EmptyBody = { ...ById, body: z.object({}).strict() };
/** Printable ASCII, as the IETF Idempotency-Key draft describes keys (UUIDs in practice). */
const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, "use 1 to 128 printable ASCII characters");

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
  maxScore: z.number(),
});
const SubmissionOut = z.looseObject({
  id: z.number().int(),
  exerciseId: z.string(),
  status: z.enum(["queued", "running", "done", "error"]),
  createdAt: z.string(),
  result: z.looseObject({ status: z.enum(["pass", "fail", "error"]), score: z.number(), max_score: z.number() }).nullable(),
});

function card(e: Exercise): z.infer<typeof Card> {
  return { id: e.id, title: e.title, area: e.area, difficulty: e.difficulty, estimatedMinutes: e.estimated_minutes, summary: e.summary, maxScore: e.maxScore };
}

type Deps = { db: Database; catalog: Catalog; workspaces: Workspaces; grading: Grading; progress: Progress; policy: AccessPolicy };

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
  // Ownership comes from the row; the handlers still ask for the caller's own submission.
  const submissionOwner = (i: { params: { id: number } }) => deps.db.get<{ user_id: number }>("SELECT user_id FROM submissions WHERE id = ?", [i.params.id])?.user_id;

  return [
    route({
      method: "get",
      path: "/exercises",
      summary: "The catalog by area, with the caller's status, best score and attempts per exercise",
      tag: "exercises",
      auth: signedIn,
      response: z.object({ areas: z.array(z.object({ id: z.string(), title: z.string() }).loose()), exercises: z.array(Card.extend(Standing)) }),
      // Every card carries the learner's status and best score, read in one query.
      handler: ({ me }) => {
        const mine = deps.progress.byExercise(me.id);
        const exercises = [...deps.catalog.exercises.values()]
          .sort((a, b) => a.title.localeCompare(b.title))
          .map((e) => ({ ...card(e), ...deps.progress.of(mine, e.id), locked: !deps.policy.allows(me, e.id, "open") }));
        const used = new Set(exercises.map((e) => e.area));
        return { areas: AREAS.filter((a) => used.has(a.id)), exercises };
      },
    }),
    route({
      method: "get",
      path: "/exercises/:id",
      summary: "One exercise with its instructions (markdown)",
      tag: "exercises",
      auth: signedIn,
      input: ById,
      response: z.object({ exercise: Card.extend({ readme: z.string() }) }),
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
      response: z.object({ workspace: z.object({ id: z.number().int(), exerciseId: z.string() }) }),
      handler: ({ input, me }) => {
        const ws = deps.workspaces.open(me.id, use(me, input.params.id, "open"));
        return { workspace: { id: ws.id, exerciseId: ws.exerciseId } };
      },
    }),
    route({
      method: "post",
      path: "/exercises/:id/submissions",
      summary: "Submit the workspace for grading (202; retried with the same Idempotency-Key, the same submission)",
      tag: "submissions",
      auth: signedIn,
      input: { ...EmptyBody, headers: z.object({ "idempotency-key": IdempotencyKey.optional() }) },
      status: 202,
      response: z.object({ submission: z.object({ id: z.number().int(), status: z.string() }) }),
      handler: ({ input, me, res }) => {
        const ws = deps.workspaces.open(me.id, use(me, input.params.id, "submit"));
        const { submission, replayed } = deps.grading.submitOnce(ws, input.headers["idempotency-key"]);
        if (replayed) res.setHeader("Idempotent-Replayed", "true");
        res.location(`/api/submissions/${submission.id}`);
        return { submission };
      },
    }),
    route({
      method: "get",
      path: "/exercises/:id/submissions",
      summary: "The caller's submissions for an exercise, newest first",
      tag: "submissions",
      auth: signedIn,
      input: ById,
      response: z.object({ submissions: z.array(SubmissionOut) }),
      handler: ({ input, me }) => ({ submissions: deps.grading.list(me.id, use(me, input.params.id, "view").id) }),
    }),
    route({
      method: "get",
      path: "/submissions/:id",
      summary: "One submission with its results once graded",
      tag: "submissions",
      auth: owner("submission"),
      ownerOf: submissionOwner,
      input: SubmissionById,
      response: z.object({ submission: SubmissionOut }),
      handler: ({ input, me }) => ({ submission: deps.grading.get(input.params.id, me.id) }),
    }),
    route({
      method: "get",
      path: "/submissions/:id/verify",
      summary: "Check the submission's signed results against the lab's key",
      tag: "submissions",
      auth: owner("submission"),
      ownerOf: submissionOwner,
      input: SubmissionById,
      response: z.looseObject({ valid: z.boolean() }),
      handler: ({ input, me }) => {
        deps.grading.get(input.params.id, me.id);
        return deps.grading.verify(input.params.id);
      },
    }),
    route({
      method: "get",
      path: "/submissions/:id/events",
      summary: "Live grading progress as server-sent events; ends after the final submission",
      tag: "submissions",
      auth: owner("submission"),
      ownerOf: submissionOwner,
      input: SubmissionById,
      produces: "text/event-stream",
      handler: ({ input, me, req, res }) => {
        const id = input.params.id;
        const current = deps.grading.get(id, me.id);
        res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive", "X-Accel-Buffering": "no" });
        const send = (event: SubmissionEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        send({ type: "status", status: current.status });
        if (current.status === "done" || current.status === "error") {
          send({ type: "done", submission: current });
          res.end();
          return;
        }
        // Replayed and subscribed in the same tick: no event can fall in between.
        for (const past of deps.grading.progressOf(id)) send(past);
        const channel = `sub:${id}`;
        const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
        const listener = (event: SubmissionEvent) => {
          send(event);
          if (event.type === "done") stop();
        };
        const stop = () => {
          clearInterval(heartbeat);
          deps.grading.events.off(channel, listener);
          res.end();
        };
        deps.grading.events.on(channel, listener);
        req.on("close", stop);
      },
    }),
  ];
}
