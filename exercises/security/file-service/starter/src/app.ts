import express, { type ErrorRequestHandler } from "express";
import { accountsRouter } from "./routes/accounts.ts";
import { filesRouter } from "./routes/files.ts";
import { importsRouter } from "./routes/imports.ts";

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "100kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.use(accountsRouter());
  app.use(importsRouter());
  app.use(filesRouter());

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    res.status(status).json({ error: status === 500 ? "internal error" : "bad request" });
  };
  app.use(onError);
  return app;
}
