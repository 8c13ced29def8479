import express from "express";
import { triage } from "./triage.ts";

export function createApp() {
  const app = express();
  app.use(express.json({ limit: "64kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });

  app.post("/triage", async (req, res) => {
    const ticket = req.body?.ticket;
    if (typeof ticket !== "string" || ticket.trim() === "" || ticket.length > 4000) {
      res.status(400).json({ error: "ticket must be a non-empty string of at most 4000 characters" });
      return;
    }
    res.json(await triage(ticket));
  });

  return app;
}
