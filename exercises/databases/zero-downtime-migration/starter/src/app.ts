// Version 2 of the customers API: it calls the customer's name `full_name` (version 1, still
// serving during the deploy, calls the column `name`).
import express, { type ErrorRequestHandler } from "express";
import { z } from "zod";
import { db } from "./db.ts";
import { backfill, contract, expand } from "./deploy.ts";

const NewCustomer = z.object({ full_name: z.string().trim().min(1).max(200), email: z.string().email() });
const PHASES = { expand, backfill, contract } as const;

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "10kb" }));
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.post("/customers", async (req, res) => {
    const r = NewCustomer.safeParse(req.body);
    if (!r.success) return void res.status(400).json({ title: "Invalid customer", status: 400 });
    const { rows } = await db.query("insert into customers (full_name, email) values ($1, $2) returning id, full_name, email", [r.data.full_name, r.data.email]);
    res.status(201).location(`/customers/${rows[0].id}`).json(rows[0]);
  });

  app.get("/customers/:id", async (req, res) => {
    if (!/^[1-9]\d{0,15}$/.test(req.params.id)) return void res.status(400).json({ title: "Not an id", status: 400 });
    const { rows } = await db.query("select id, full_name, email from customers where id = $1", [Number(req.params.id)]);
    if (!rows[0]) return void res.status(404).json({ title: "Not found", status: 404 });
    res.json(rows[0]);
  });

  // The deploy pipeline calls these, in this order, while both versions serve traffic
  // (contract only once version 1 is retired).
  app.post("/admin/deploy/:phase", async (req, res) => {
    const phase = PHASES[req.params.phase as keyof typeof PHASES];
    if (!phase) return void res.status(404).json({ title: "No such phase", status: 404 });
    const t0 = Date.now();
    await phase();
    res.json({ phase: req.params.phase, ms: Date.now() - t0 });
  });

  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    console.error(err);
    res.status(500).json({ title: "Internal error", status: 500, detail: String(err?.message ?? err) });
  };
  app.use(errors);
  return app;
}
