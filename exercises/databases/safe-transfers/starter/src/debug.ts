// DO NOT CHANGE: the grader reads these.
import { Router } from "express";
import type { Db } from "./db.ts";
import { riskStats } from "./risk.ts";

export function debugRoutes(db: Db): Router {
  const r = Router();
  // Statements run so far, transactions committed and rolled back, calls to the risk service.
  r.get("/__stats", (_req, res) => {
    res.json({ ...db.stats(), risk: { calls: riskStats.calls, max_in_flight: riskStats.maxInFlight } });
  });
  return r;
}
