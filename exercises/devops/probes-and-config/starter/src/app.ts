import express, { type Express } from "express";

/** A dependency check: resolve = healthy; reject, throw or time out = unhealthy. */
export type Check = (signal: AbortSignal) => unknown;

export interface AppOptions {
  checks?: Record<string, Check>;
  checkTimeoutMs?: number; // per check; default 1000
}

export type ProbeApp = Express & { markShuttingDown(): void };

export function createApp({ checks = {} }: AppOptions = {}): ProbeApp {
  const app = express() as ProbeApp;

  // TODO: replace with /livez and /readyz.
  app.get("/health", async (_req, res) => {
    for (const check of Object.values(checks)) await check(new AbortController().signal);
    res.json({ status: "ok" });
  });

  app.markShuttingDown = () => {
    // TODO
  };
  return app;
}
