import express, { type ErrorRequestHandler, type Response } from "express";
import { z } from "zod";
import { CSV_HEADER, toCsvLine } from "./csv.ts";
import { faults, queryAllOrders, STATUSES, stats } from "./orders.ts";

const ExportQuery = z.object({ status: z.enum(STATUSES).optional() });
const Faults = z.object({ failAfterRows: z.number().int().min(0).nullable() });

/** An RFC 9457 problem answer. */
function problem(res: Response, status: number, title: string, detail: string) {
  res.status(status).type("application/problem+json").send(JSON.stringify({ type: "about:blank", title, status, detail }));
}

export function createApp() {
  const app = express();
  app.disable("x-powered-by");

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // DO NOT CHANGE: the grader reads these counters and injects a failure into the source.
  app.get("/__stats", (_req, res) => {
    res.json({ ...stats, memoryRssBytes: process.memoryUsage().rss });
  });
  app.post("/__faults", express.json(), (req, res) => {
    const body = Faults.safeParse(req.body);
    if (!body.success) return problem(res, 400, "Bad request", 'send {"failAfterRows": <integer> | null}');
    faults.failAfterRows = body.data.failAfterRows;
    res.status(204).end();
  });

  /** Every order (or every order of one status) as a CSV download. */
  app.get("/export.csv", async (req, res) => {
    const query = ExportQuery.safeParse(req.query);
    if (!query.success) return problem(res, 400, "Bad request", `status must be one of ${STATUSES.join(", ")}`);
    const orders = await queryAllOrders({ status: query.data.status });
    let body = CSV_HEADER;
    for (const order of orders) body += toCsvLine(order);
    res.attachment("orders.csv").send(body);
  });

  app.use((_req, res) => problem(res, 404, "Not found", "no such route"));

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    console.error(err);
    if (res.headersSent) return res.destroy();
    problem(res, 500, "Internal server error", "the export failed; try again");
  };
  app.use(onError);
  return app;
}
