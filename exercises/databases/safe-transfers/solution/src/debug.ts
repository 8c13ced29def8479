// DO NOT CHANGE: the grader reads these. They show what the database saw.
import { Router } from "express";
import type { Db } from "./db.ts";
import { riskStats } from "./risk.ts";

export function debugRoutes(db: Db): Router {
  const r = Router();
  // Statements run so far, transactions committed and rolled back, calls to the risk service.
  r.get("/__stats", (_req, res) => {
    res.json({ ...db.stats(), risk: { calls: riskStats.calls, max_in_flight: riskStats.maxInFlight } });
  });
  // The last 50 transactions: every statement, its parameters, the accounts locked after it.
  r.get("/__debug/transactions", (_req, res) => {
    res.json({ transactions: db.recentTransactions() });
  });
  // The accounts table's columns and CHECK constraints, as PostgreSQL has them.
  r.get("/__debug/schema", async (_req, res) => {
    res.json(await db.describeAccounts());
  });
  return r;
}
