import { Router } from "express";
import { z } from "zod";
import { notFound } from "../errors.ts";
import type { Grading } from "../grading/service.ts";
import { currentUser, requireUser } from "../http/guards.ts";
import { input, validate } from "../http/validate.ts";
import type { Workspaces } from "../workspaces/service.ts";
import type { Catalog, Exercise } from "./catalog.ts";
import { AREAS, Slug } from "./schema.ts";

const ById = { params: z.object({ id: Slug }) };
const SubmissionById = { params: z.object({ id: z.coerce.number().int().positive().max(2 ** 31) }) };
const EmptyBody = { ...ById, body: z.object({}).strict() };

function card(e: Exercise) {
  return { id: e.id, title: e.title, area: e.area, difficulty: e.difficulty, estimatedMinutes: e.estimated_minutes, summary: e.summary, maxScore: e.maxScore };
}

export function exercisesRouter(deps: { catalog: Catalog; workspaces: Workspaces; grading: Grading }): Router {
  const r = Router();
  r.use(["/exercises", "/submissions"], requireUser);
  const find = (id: string) => {
    const e = deps.catalog.exercises.get(id);
    if (!e) throw notFound(`The exercise "${id}"`);
    return e;
  };

  r.get("/exercises", (_req, res) => {
    const best = deps.grading.best(currentUser(res).id);
    const exercises = [...deps.catalog.exercises.values()]
      .sort((a, b) => a.title.localeCompare(b.title))
      .map((e) => ({ ...card(e), best: best.get(e.id) ?? null }));
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

  r.post("/exercises/:id/submissions", validate(EmptyBody), (_req, res) => {
    const e = find(input(res, EmptyBody).params.id);
    const ws = deps.workspaces.open(currentUser(res).id, e);
    const submission = deps.grading.submit(ws);
    res.status(202).location(`/api/submissions/${submission.id}`).json({ submission });
  });

  r.get("/exercises/:id/submissions", validate(ById), (_req, res) => {
    const e = find(input(res, ById).params.id);
    res.json({ submissions: deps.grading.list(currentUser(res).id, e.id) });
  });

  r.get("/submissions/:id", validate(SubmissionById), (_req, res) => {
    res.json({ submission: deps.grading.get(input(res, SubmissionById).params.id, currentUser(res).id) });
  });

  return r;
}
