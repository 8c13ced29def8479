// DO NOT CHANGE: the grader reads these. They show what the database saw.
import { Router } from "express";
import { z } from "zod";
import type { Db } from "./db.ts";
import { invalid } from "./problem.ts";

export function debugRoutes(db: Db): Router {
  const r = Router();
  // How many statements have run since the start.
  r.get("/__stats", (_req, res) => {
    res.json(db.stats());
  });
  // The last statements (?after=<seq> for the ones after a point), each with its plan.
  r.get("/__debug/queries", (req, res) => {
    const after = z.coerce.number().int().min(0).default(0).safeParse(req.query.after);
    if (!after.success) throw invalid("after must be a statement number (GET /__stats gives the latest).");
    res.json({ queries: db.queriesAfter(after.data) });
  });
  // Every index in the database, with its definition.
  r.get("/__debug/indexes", async (_req, res) => {
    res.json({ indexes: await db.indexes() });
  });
  return r;
}
