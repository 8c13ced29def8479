import express, { type ErrorRequestHandler } from "express";
import { identify } from "./auth.ts";
import { accountsRouter } from "./routes/accounts.ts";
import { attachmentsRouter } from "./routes/attachments.ts";
import { notesRouter } from "./routes/notes.ts";

const HOME = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Notes</title></head>
<body>
  <h1>Notes</h1>
  <p>A small notes API: POST /signup, POST /login, then /notes, /search?q=… and /attachments with your token.</p>
</body>
</html>`;

export function createApp() {
  const app = express();
  app.use(express.json({ limit: "100kb" }));
  app.use(identify);

  app.get("/", (_req, res) => {
    res.type("html").send(HOME);
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.use(accountsRouter());
  app.use("/attachments", attachmentsRouter());
  app.use(notesRouter());

  // Handy while developing: the whole error goes back to the client.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(typeof err?.status === "number" ? err.status : 500).json({ error: String(err?.message ?? err), stack: err?.stack });
  };
  app.use(onError);
  return app;
}
