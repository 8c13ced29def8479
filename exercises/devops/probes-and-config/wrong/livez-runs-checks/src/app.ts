import express, { type Express, type Response } from "express";

/** A dependency check: resolve = healthy; reject, throw or time out = unhealthy. */
export type Check = (signal: AbortSignal) => unknown;

export interface AppOptions {
  checks?: Record<string, Check>;
  checkTimeoutMs?: number; // per check; default 1000
}

export type ProbeApp = Express & { markShuttingDown(): void };

export interface CheckResult {
  status: "ok" | "fail";
  error?: string;
}

async function runCheck(check: Check, timeoutMs: number): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    // async wrapper turns a synchronous throw into a rejection
    await Promise.race([(async () => check(controller.signal))(), timeout]);
    return { status: "ok" };
  } catch (err) {
    return { status: "fail", error: err instanceof Error ? err.message : "check failed" };
  } finally {
    clearTimeout(timer);
  }
}

function noStore(res: Response) {
  res.set("Cache-Control", "no-store");
}

export function createApp({ checks = {}, checkTimeoutMs = 1000 }: AppOptions = {}): ProbeApp {
  let shuttingDown = false;
  const app = express() as ProbeApp;

  app.get("/livez", async (_req, res) => {
    noStore(res);
    const results = await Promise.all(Object.values(checks).map((check) => runCheck(check, checkTimeoutMs)));
    const ok = results.every((r) => r.status === "ok");
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "fail" });
  });

  app.get("/readyz", async (_req, res) => {
    noStore(res);
    if (shuttingDown) {
      res.status(503).json({ status: "shutting_down", checks: {} });
      return;
    }
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => runCheck(checks[name]!, checkTimeoutMs)));
    const body: Record<string, CheckResult> = {};
    names.forEach((name, i) => (body[name] = results[i]!));
    const ok = results.every((r) => r.status === "ok");
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "fail", checks: body });
  });

  app.markShuttingDown = () => {
    shuttingDown = true;
  };
  return app;
}
