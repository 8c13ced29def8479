// Hidden tests for "graceful-shutdown". The service runs with SHUTDOWN_DRAIN_MS=600 and
// SHUTDOWN_TIMEOUT_MS=2500 (exercise.yaml). Each describe block is one shutdown, staged in
// its beforeAll; its tests then check one aspect each. The grader's control channel
// (/grader/control.mjs) signals the learner's process, waits for its exit and restarts it.
import http from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import { DRAIN_MS, get, outcome, running, service, sleep, TIMEOUT_MS, type Reply } from "./support.ts";

const STAGE = 30_000;

describe("SIGTERM with a request in flight and keep-alive connections", () => {
  const id = `inflight-${Date.now()}`;
  let idle: Reply;
  let inflight: Reply | Error;
  let readyBefore = "";
  const readiness: string[] = [];
  let liveness = "";
  let duringDrain = "";
  let afterDrain = "";
  let exit: { exited: boolean; code: number | null; signal: string | null; ms: number };
  let signalAt = 0;

  beforeAll(async () => {
    await running();
    readyBefore = await outcome("/readyz");
    // One keep-alive connection left idle, one busy with a 1.2 s request when the signal comes.
    idle = await get("/work?ms=0&id=idle", new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const busy = get(`/work?ms=1200&id=${id}`, new http.Agent({ keepAlive: true, maxSockets: 1 })).catch((err: Error) => err);
    await sleep(100);
    await service.signal("SIGTERM");
    signalAt = performance.now();
    // Readiness, polled on fresh connections until it is 503 (or 300 ms have passed).
    while (performance.now() - signalAt < 300) {
      const r = await outcome("/readyz", 500);
      readiness.push(r);
      if (r === "HTTP 503") break;
      await sleep(20);
    }
    liveness = await outcome("/healthz", 500);
    duringDrain = await outcome("/work?ms=10&id=during-drain", 1000);
    await sleep(Math.max(0, signalAt + DRAIN_MS + 250 - performance.now()));
    afterDrain = await outcome("/healthz", 500);
    exit = await service.waitExit({ timeoutMs: 8000 });
    inflight = await busy;
  }, STAGE);

  it("GET /readyz answers 200, then 503 within 300 ms of SIGTERM while GET /healthz stays 200", () => {
    expect(readyBefore, "GET /readyz before SIGTERM").toBe("HTTP 200");
    expect(readiness.at(-1), `GET /readyz after SIGTERM answered: ${readiness.join(", ")}`).toBe("HTTP 503");
    expect(liveness, "GET /healthz during the drain (liveness must not fail)").toBe("HTTP 200");
  });

  it("requests that arrive during SHUTDOWN_DRAIN_MS are still served", () => {
    expect(duringDrain, "GET /work?ms=10 right after SIGTERM").toBe("HTTP 200");
  });

  it("after SHUTDOWN_DRAIN_MS new connections are refused while the request in flight goes on", () => {
    expect(afterDrain, `a new connection ${DRAIN_MS + 250} ms after SIGTERM (the request in flight still runs until ~1100 ms)`).toBe("ECONNREFUSED");
  });

  it("the request in flight finishes with 200", () => {
    expect(inflight instanceof Error ? `failed: ${(inflight as any).code ?? inflight.message}` : `HTTP ${inflight.status}`).toBe("HTTP 200");
    expect((inflight as Reply).body).toMatchObject({ done: true, id });
  });

  it("the idle keep-alive connection is closed when the server stops accepting, before the request in flight ends", () => {
    const closed = idle.socketClosedAt();
    expect(closed, "the idle keep-alive connection was never closed").not.toBeNull();
    expect(inflight).not.toBeInstanceOf(Error);
    expect(closed! - signalAt, "closed (ms after SIGTERM) before the in-flight response ended").toBeLessThan((inflight as Reply).endedAt - signalAt);
  });

  it("the busy keep-alive connection is closed right after its response, not left open until keepAliveTimeout", () => {
    expect(inflight).not.toBeInstanceOf(Error);
    const r = inflight as Reply;
    const closed = r.socketClosedAt();
    expect(closed, "the connection of the in-flight request was never closed").not.toBeNull();
    expect(closed! - r.endedAt, "ms from the end of the response to the connection's close").toBeLessThan(300);
  });

  it("the process exits with code 0 once the work is done, well before SHUTDOWN_TIMEOUT_MS", () => {
    expect(exit.exited, `the process had not exited 8 s after SIGTERM`).toBe(true);
    expect(exit.code, `exit code (signal ${exit.signal})`).toBe(0);
    expect(exit.ms, "ms from SIGTERM to exit (the request in flight ends at ~1100 ms)").toBeLessThan(TIMEOUT_MS - 500);
  });

  it("the store was closed: after a restart it reports a clean shutdown and the in-flight request's record", async () => {
    await service.restart();
    const r = await get("/store");
    expect(r.body.previousShutdown, "GET /store after a restart: previousShutdown").toBe("clean");
    expect(r.body.records).toContain(`work ${id} 1200`);
    expect(r.body.records).toContain("work during-drain 10");
  }, STAGE);
});

describe("a request that never finishes", () => {
  let exit: { exited: boolean; code: number | null; signal: string | null; ms: number };
  let hung: string;

  beforeAll(async () => {
    await running();
    const pending = get("/hang", false, 10_000).then((r) => `HTTP ${r.status}`, (err: any) => err?.code ?? String(err));
    await sleep(100);
    await service.signal("SIGTERM");
    exit = await service.waitExit({ timeoutMs: TIMEOUT_MS + 4000 });
    hung = await pending;
  }, STAGE);

  it("the process gives up at SHUTDOWN_TIMEOUT_MS and exits with code 1", () => {
    expect(exit.exited, `the process had not exited ${TIMEOUT_MS + 4000} ms after SIGTERM: a hung request must not hold the shutdown past SHUTDOWN_TIMEOUT_MS`).toBe(true);
    expect(exit.code, `exit code (signal ${exit.signal}) of a forced shutdown`).toBe(1);
    expect(exit.ms, "ms from SIGTERM to exit").toBeGreaterThanOrEqual(TIMEOUT_MS - 300);
    expect(exit.ms, "ms from SIGTERM to exit").toBeLessThan(TIMEOUT_MS + 1500);
    expect(hung, "the hung request is cut off").not.toMatch(/^HTTP 2/);
  });

  it("even a forced shutdown stops the background work and closes the store", async () => {
    await service.restart();
    const r = await get("/store");
    expect(r.body.previousShutdown, "GET /store after a restart: previousShutdown").toBe("clean");
  }, STAGE);
});

describe("SIGINT twice, then SIGTERM, while shutting down", () => {
  let exit: { exited: boolean; code: number | null; signal: string | null; ms: number };
  let inflight: string;

  beforeAll(async () => {
    await running();
    const busy = get("/work?ms=1500&id=twice").then((r) => `HTTP ${r.status}`, (err: any) => err?.code ?? String(err));
    await sleep(100);
    await service.signal("SIGINT");
    await sleep(100);
    // The process may already be gone (a second signal with no handler left kills it).
    await service.signal("SIGINT").catch(() => {});
    await sleep(100);
    await service.signal("SIGTERM").catch(() => {});
    exit = await service.waitExit({ timeoutMs: 8000 });
    inflight = await busy;
  }, STAGE);

  it("one shutdown runs: the request in flight finishes and the exit code is 0", () => {
    expect(inflight, "GET /work?ms=1500 in flight at SIGINT").toBe("HTTP 200");
    expect(exit.exited, "the process had not exited 8 s after SIGINT").toBe(true);
    expect(exit.code, `exit code (signal ${exit.signal})`).toBe(0);
  });
});
