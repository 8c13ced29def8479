import express from "express";
import { config } from "./config.ts";
import { createLimiter } from "./limiter.ts";

const QUOTES = ["Make it work, make it right, make it fast.", "Premature optimization is the root of all evil.", "Measure twice, cut once."];

export async function createApp() {
  const limiter = await createLimiter(config);
  const app = express();
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  // Every /api call counts against the caller's API key.
  app.use("/api", async (req, res, next) => {
    const key = req.get("x-api-key");
    if (!key) {
      res.status(401).json({ error: "missing x-api-key" });
      return;
    }
    try {
      const verdict = await limiter.hit(key);
      res.set("RateLimit-Remaining", String(verdict.remaining));
      if (!verdict.allowed) {
        res.set("Retry-After", String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
        res.status(429).json({ error: "rate limited", retry_after_ms: verdict.retryAfterMs });
        return;
      }
      next();
    } catch (err) {
      next(err);
    }
  });
  app.get("/api/quote", (_req, res) => {
    res.json({ quote: QUOTES[Math.floor(Math.random() * QUOTES.length)], port: config.port });
  });
  return app;
}
