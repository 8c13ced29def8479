import { describe, it, expect, afterEach } from "vitest";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createApp, type AppOptions } from "@workspace/src/app.ts";

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

async function start(options: AppOptions) {
  const app = createApp(options);
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  async function get(path: string) {
    const res = await fetch(base + path);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, cacheControl: res.headers.get("cache-control") ?? "", body: body as Record<string, any> };
  }
  return { app, get };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const never = () => new Promise<never>(() => {});

describe("probes", () => {
  it("/livez answers 200 and is never cached", async () => {
    const { get } = await start({ checks: { db: () => Promise.reject(new Error("down")) } });
    const res = await get("/livez");
    expect(res.status).toBe(200);
    expect(res.cacheControl).toContain("no-store");
  });

  it("/readyz answers 200 with every check ok when all pass", async () => {
    const { get } = await start({ checks: { db: async () => undefined, cache: () => "PONG" } });
    const res = await get("/readyz");
    expect(res.status).toBe(200);
    expect(res.cacheControl).toContain("no-store");
    expect(res.body.status).toBe("ok");
    expect(res.body.checks.db.status).toBe("ok");
    expect(res.body.checks.cache.status).toBe("ok");
  });

  it("/readyz answers 503 naming the checks that reject or throw", async () => {
    const { get } = await start({
      checks: {
        db: async () => undefined,
        cache: () => Promise.reject(new Error("ECONNREFUSED")),
        queue: () => {
          throw new Error("boom");
        },
      },
    });
    const res = await get("/readyz");
    expect(res.status).toBe(503);
    expect(res.cacheControl).toContain("no-store");
    expect(res.body.status).toBe("fail");
    expect(res.body.checks.db.status).toBe("ok");
    expect(res.body.checks.cache.status).toBe("fail");
    expect(res.body.checks.queue.status).toBe("fail");
  });

  it("times out a hung check, runs checks concurrently, and aborts the signal", async () => {
    let aborted = false;
    const { get } = await start({
      // Generous on purpose: concurrent ≈ 500 ms, one after another ≈ 1250 ms.
      checkTimeoutMs: 500,
      checks: {
        hung: (signal: AbortSignal) => {
          signal.addEventListener("abort", () => (aborted = true));
          return never();
        },
        slow1: () => sleep(250),
        slow2: () => sleep(250),
        slow3: () => sleep(250),
      },
    });
    const t0 = performance.now();
    const res = await get("/readyz");
    const elapsed = performance.now() - t0;
    expect(res.status).toBe(503);
    expect(res.body.checks.hung.status).toBe("fail");
    expect(res.body.checks.slow1.status).toBe("ok");
    expect(res.body.checks.slow3.status).toBe("ok");
    expect(elapsed).toBeLessThan(1100);
    expect(aborted).toBe(true);
  });

  it("/readyz runs the checks on every request (no cached result)", async () => {
    let calls = 0;
    let healthy = true;
    const { get } = await start({
      checks: {
        db: async () => {
          calls++;
          if (!healthy) throw new Error("down");
        },
      },
    });
    expect((await get("/readyz")).status).toBe(200);
    healthy = false;
    expect((await get("/readyz")).status).toBe(503);
    healthy = true;
    expect((await get("/readyz")).status).toBe(200);
    expect(calls).toBe(3);
  });

  it("markShuttingDown turns readiness 503 while liveness stays 200", async () => {
    let calls = 0;
    const { app, get } = await start({ checks: { db: async () => void calls++ } });
    expect((await get("/readyz")).status).toBe(200);
    app.markShuttingDown();
    const ready = await get("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.cacheControl).toContain("no-store");
    expect((await get("/livez")).status).toBe(200);
    expect(calls).toBe(1);
  });
});
