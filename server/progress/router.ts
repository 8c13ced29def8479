import { Router } from "express";
import { z } from "zod";
import { currentUser, requireUser } from "../http/guards.ts";
import { validate } from "../http/validate.ts";
import type { Progress } from "./service.ts";

const NoInput = { query: z.object({}).strict() };

/** The signed-in learner's own progress; nobody else's data is reachable from here. */
export function progressRouter(progress: Progress): Router {
  const r = Router();
  r.get("/progress", requireUser, validate(NoInput), (_req, res) => {
    res.json(progress.dashboard(currentUser(res).id));
  });
  return r;
}
