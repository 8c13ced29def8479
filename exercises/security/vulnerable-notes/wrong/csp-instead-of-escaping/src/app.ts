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

/** Browser-side defences on every response (what helmet() would set). */
const SECURITY_HEADERS = {
  // No scripts at all, inline styles for the note page, no framing, no <base>, no form posts.
  "Content-Security-Policy-Report-Only": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
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

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  // The details go to the log; the client gets the status and a short, generic message.
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status >= 500) console.error(`${req.method} ${req.path} failed:`, err);
    res.status(status).json({ error: status >= 500 ? "internal error" : "bad request" });
  };
  app.use(onError);
  return app;
}
