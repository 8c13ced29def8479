import { Router } from "express";
import { z } from "zod";
import { notFound } from "../errors.ts";
import type { Grading, SubmissionEvent } from "../grading/service.ts";
import type { Progress } from "../progress/service.ts";
import { currentUser, requireUser } from "../http/guards.ts";
import { input, validate } from "../http/validate.ts";
import type { Workspaces } from "../workspaces/service.ts";
import type { Catalog, Exercise } from "./catalog.ts";
import { AREAS, Slug } from "./schema.ts";

const ById = { params: z.object({ id: Slug }) };
const SubmissionById = { params: z.object({ id: z.coerce.number().int().positive().max(2 ** 31) }) };
const EmptyBody = { ...ById, body: z.object({}).strict() };
/** Printable ASCII, as the IETF Idempotency-Key draft describes keys (UUIDs in practice). */
const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, "use 1 to 128 printable ASCII characters");

function card(e: Exercise) {
  return { id: e.id, title: e.title, area: e.area, difficulty: e.difficulty, estimatedMinutes: e.estimated_minutes, summary: e.summary, maxScore: e.maxScore };
}

export function exercisesRouter(deps: { catalog: Catalog; workspaces: Workspaces; grading: Grading; progress: Progress }): Router {
  const r = Router();
  r.use(["/exercises", "/submissions"], requireUser);
  const find = (id: string) => {
    const e = deps.catalog.exercises.get(id);
    if (!e) throw notFound(`The exercise "${id}"`);
    return e;
  };

  // Every card carries the learner's status and best score, read in one query.
  r.get("/exercises", (_req, res) => {
    const mine = deps.progress.byExercise(currentUser(res).id);
    const exercises = [...deps.catalog.exercises.values()]
      .sort((a, b) => a.title.localeCompare(b.title))
      .map((e) => ({ ...card(e), ...deps.progress.of(mine, e.id) }));
    const used = new Set(exercises.map((e) => e.area));
    res.json({ areas: AREAS.filter((a) => used.has(a.id)), exercises });
  });

  r.get("/exercises/:id", validate(ById), (_req, res) => {
    const e = find(input(res, ById).params.id);
    res.json({ exercise: { ...card(e), readme: e.readme } });
  });

  r.post("/exercises/:id/workspace", validate(EmptyBody), (_req, res) => {
    const e = find(input(res, EmptyBody).params.id);
    const ws = deps.workspaces.open(currentUser(res).id, e);
    res.json({ workspace: { id: ws.id, exerciseId: ws.exerciseId } });
  });

  const Submit = { ...EmptyBody, headers: z.object({ "idempotency-key": IdempotencyKey.optional() }) };
  r.post("/exercises/:id/submissions", validate(Submit), (_req, res) => {
    const { params, headers } = input(res, Submit);
    const e = find(params.id);
    const ws = deps.workspaces.open(currentUser(res).id, e);
    const { submission, replayed } = deps.grading.submitOnce(ws, headers["idempotency-key"]);
    if (replayed) res.setHeader("Idempotent-Replayed", "true");
    res.status(202).location(`/api/submissions/${submission.id}`).json({ submission });
  });

  // Live progress as server-sent events: the current state, each step and test as it
  // finishes, then the final submission; the stream ends there.
  r.get("/submissions/:id/events", validate(SubmissionById), (req, res) => {
    const id = input(res, SubmissionById).params.id;
    const current = deps.grading.get(id, currentUser(res).id);
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive", "X-Accel-Buffering": "no" });
    const send = (event: SubmissionEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    send({ type: "status", status: current.status });
    if (current.status === "done" || current.status === "error") {
      send({ type: "done", submission: current });
      return res.end();
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
  });

  r.get("/exercises/:id/submissions", validate(ById), (_req, res) => {
    const e = find(input(res, ById).params.id);
    res.json({ submissions: deps.grading.list(currentUser(res).id, e.id) });
  });

  r.get("/submissions/:id/verify", validate(SubmissionById), (_req, res) => {
    const id = input(res, SubmissionById).params.id;
    deps.grading.get(id, currentUser(res).id);
    res.json(deps.grading.verify(id));
  });

  r.get("/submissions/:id", validate(SubmissionById), (_req, res) => {
    res.json({ submission: deps.grading.get(input(res, SubmissionById).params.id, currentUser(res).id) });
  });

  return r;
}
