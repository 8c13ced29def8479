import { describe, it, expect, afterEach } from "vitest";
import { createServer, type Server, type ServerResponse } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createResilientClient, CircuitOpenError, type ResilientClientOptions } from "@workspace/src/resilient.ts";

/** What the flaky server does with one request. */
type Step = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | "hang";

const servers: Server[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearTimeout(t);
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

/** Starts a server on 127.0.0.1:0 that plays `script` one step per request; the last step repeats. */
async function flaky(script: Step[]) {
  const state = { requests: 0, paths: [] as string[] };
  const server = createServer((req, res: ServerResponse) => {
    const step = script[Math.min(state.requests, script.length - 1)]!;
    state.requests++;
    state.paths.push(req.url ?? "");
    if (step === "hang") return; // never answers
    const send = () => {
      res.writeHead(step.status, { "content-type": "text/plain", ...step.headers });
      res.end(step.body ?? `status ${step.status}`);
    };
    if (step.delayMs) timers.push(setTimeout(send, step.delayMs));
    else send();
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, state };
}

/** A port nothing listens on: connections are refused. */
async function deadBaseUrl() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A client with recorded sleeps, a fixed random and a hand-moved clock; override anything. */
function makeClient(baseUrl: string, overrides: Partial<ResilientClientOptions> = {}) {
  const sleeps: number[] = [];
  const t = fakeClock();
  const client = createResilientClient({
    baseUrl,
    timeoutMs: 5000, // generous: a cold first request on a busy machine must not time out
    retries: 3,
    backoff: { baseMs: 100, maxMs: 1000 },
    breaker: { failureThreshold: 100, openMs: 10_000, halfOpenMaxCalls: 1 },
    clock: t.clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { client, sleeps, t };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  expect.fail("expected the call to reject, but it resolved");
}

const ok: Step = { status: 200, body: "hello" };
const unavailable: Step = { status: 503 };

describe("retries, timeouts and backoff", () => {
  it("returns status, headers and body of a successful response after one request to baseUrl + path", async () => {
    const { baseUrl, state } = await flaky([{ status: 200, body: '{"ok":true}', headers: { "x-served-by": "flaky" } }]);
    const { client, sleeps } = makeClient(baseUrl);
    const res = await client.get("/items/42?x=1");
    expect(res.status).toBe(200);
    expect(res.body, "body is the response text").toBe('{"ok":true}');
    expect(res.headers.get("x-served-by"), "headers is the response's Headers").toBe("flaky");
    expect(state.requests, "one request, no retry").toBe(1);
    expect(state.paths, "the request goes to baseUrl + path").toEqual(["/items/42?x=1"]);
    expect(sleeps, "no sleep without a retry").toEqual([]);
  });

  it("retries 502/503/504 until a success", async () => {
    const { baseUrl, state } = await flaky([{ status: 502 }, { status: 503 }, { status: 504 }, ok]);
    const { client } = makeClient(baseUrl, { retries: 3 });
    const res = await client.get("/");
    expect(res.status, "the 4th attempt succeeds").toBe(200);
    expect(res.body).toBe("hello");
    expect(state.requests, "3 failures + 1 success").toBe(4);
  });

  it("waits random() * min(maxMs, baseMs * 2^retry) before each retry (full jitter)", async () => {
    const { baseUrl, state } = await flaky([unavailable, unavailable, unavailable, ok]);
    const randoms = [0.5, 0.25, 0.75];
    const { client, sleeps } = makeClient(baseUrl, { retries: 3, backoff: { baseMs: 100, maxMs: 1000 }, random: () => randoms.shift() ?? 0 });
    const res = await client.get("/");
    expect(res.status).toBe(200);
    expect(state.requests).toBe(4);
    expect(sleeps, "0.5*100, 0.25*200, 0.75*400").toEqual([50, 50, 300]);
  });

  it("caps the backoff at maxMs and, when retries run out, resolves with the last response", async () => {
    const { baseUrl, state } = await flaky([unavailable]);
    const { client, sleeps } = makeClient(baseUrl, { retries: 4, backoff: { baseMs: 100, maxMs: 250 }, random: () => 0.5 });
    const res = await client.get("/");
    expect(res.status, "after 1 + 4 attempts the last 503 is returned").toBe(503);
    expect(state.requests, "1 attempt + 4 retries").toBe(5);
    expect(sleeps, "0.5 * min(250, 100, 200, 400, 800)").toEqual([50, 100, 125, 125]);
  });

  it("never retries 4xx (except 429) nor 500: one request, response returned as is", async () => {
    for (const status of [400, 404, 409, 500]) {
      const { baseUrl, state } = await flaky([{ status, body: `nope ${status}` }, ok]);
      const { client, sleeps } = makeClient(baseUrl, { retries: 3 });
      const res = await client.get("/");
      expect(res.status, `${status} is returned, not retried`).toBe(status);
      expect(res.body).toBe(`nope ${status}`);
      expect(state.requests, `${status} must not be retried`).toBe(1);
      expect(sleeps, `no sleep after ${status}`).toEqual([]);
    }
  });

  it("retries 429 after exactly Retry-After seconds (no jitter), else uses the backoff", async () => {
    const { baseUrl, state } = await flaky([{ status: 429, headers: { "retry-after": "2" } }, { status: 429 }, ok]);
    const { client, sleeps } = makeClient(baseUrl, { retries: 3, random: () => 0.5 });
    const res = await client.get("/");
    expect(res.status).toBe(200);
    expect(state.requests).toBe(3);
    expect(sleeps, "Retry-After: 2 -> 2000 ms; 429 without Retry-After -> 0.5 * 200").toEqual([2000, 100]);
  });

  it("aborts an attempt that hangs past timeoutMs and retries it", { timeout: 6000 }, async () => {
    const { baseUrl, state } = await flaky(["hang", ok]);
    const { client, sleeps } = makeClient(baseUrl, { timeoutMs: 400, retries: 2 });
    const started = performance.now();
    const res = await client.get("/");
    const elapsed = performance.now() - started;
    expect(res.status, "the retry after the timed-out attempt succeeds").toBe(200);
    expect(state.requests).toBe(2);
    expect(sleeps, "a timeout is retried with the normal backoff").toEqual([50]);
    expect(elapsed, "the hung attempt must be cut at ~400 ms").toBeLessThan(3000);
  });

  it("rejects with a TimeoutError when every attempt times out", { timeout: 6000 }, async () => {
    const { baseUrl, state } = await flaky(["hang"]);
    const { client } = makeClient(baseUrl, { timeoutMs: 400, retries: 1 });
    const err = await rejection(client.get("/"));
    expect(err.name, "the last attempt's timeout error").toBe("TimeoutError");
    expect(state.requests, "1 attempt + 1 retry").toBe(2);
  });

  it("retries network errors and rejects with the last one when retries run out", async () => {
    const baseUrl = await deadBaseUrl();
    const { client, sleeps } = makeClient(baseUrl, { retries: 2, random: () => 0.5 });
    const err = await rejection(client.get("/"));
    expect(err).toBeInstanceOf(Error);
    expect(err, "a refused connection is not a CircuitOpenError").not.toBeInstanceOf(CircuitOpenError);
    expect(sleeps, "two retries with backoff").toEqual([50, 100]);
  });
});

describe("circuit breaker", () => {
  it("opens after failureThreshold consecutive failures (a success resets the count) and then fails fast", async () => {
    const { baseUrl, state } = await flaky([unavailable, unavailable, ok, unavailable, unavailable, { status: 404 }, unavailable]);
    const { client } = makeClient(baseUrl, { retries: 0, breaker: { failureThreshold: 3, openMs: 10_000, halfOpenMaxCalls: 1 } });
    expect(client.state()).toBe("closed");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await client.get("/")).status);
    expect(statuses).toEqual([503, 503, 200, 503, 503, 404]);
    expect(client.state(), "2 failures, success, 2 failures, 404 (a 4xx is not a dependency failure)").toBe("closed");
    for (let i = 0; i < 3; i++) expect((await client.get("/")).status).toBe(503);
    expect(client.state(), "3 consecutive failures reach the threshold").toBe("open");
    expect(state.requests).toBe(9);
    const err = await rejection(client.get("/"));
    expect(err, "an open breaker rejects with CircuitOpenError").toBeInstanceOf(CircuitOpenError);
    expect(err.name).toBe("CircuitOpenError");
    expect(state.requests, "failing fast: the dependency is not called").toBe(9);
  });

  it("stops retrying as soon as the breaker opens, without sleeping first", async () => {
    const { baseUrl, state } = await flaky([unavailable]);
    const { client, sleeps } = makeClient(baseUrl, { retries: 5, breaker: { failureThreshold: 3, openMs: 10_000, halfOpenMaxCalls: 1 } });
    const err = await rejection(client.get("/"));
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(state.requests, "attempts 1-3 fail and open the breaker; no 4th request").toBe(3);
    expect(sleeps, "sleeps only between attempts 1-2 and 2-3").toEqual([50, 100]);
    expect(client.state()).toBe("open");
  });

  it("goes half-open after openMs; a failed probe reopens it (for another openMs), a successful one closes it", async () => {
    const { baseUrl, state } = await flaky([unavailable, unavailable, unavailable, ok]);
    const { client, t } = makeClient(baseUrl, { retries: 0, breaker: { failureThreshold: 2, openMs: 5000, halfOpenMaxCalls: 1 } });
    await client.get("/");
    await client.get("/");
    expect(client.state()).toBe("open");
    t.advance(4999);
    expect(client.state(), "openMs has not elapsed yet").toBe("open");
    expect(await rejection(client.get("/"))).toBeInstanceOf(CircuitOpenError);
    expect(state.requests).toBe(2);
    t.advance(1);
    expect(client.state(), "openMs elapsed").toBe("half-open");
    expect((await client.get("/")).status, "the probe reaches the dependency and fails").toBe(503);
    expect(state.requests).toBe(3);
    expect(client.state(), "a failed probe reopens the breaker").toBe("open");
    t.advance(4999);
    expect(await rejection(client.get("/")), "openMs counts again from the failed probe").toBeInstanceOf(CircuitOpenError);
    t.advance(1);
    expect(client.state()).toBe("half-open");
    expect((await client.get("/")).status, "the second probe succeeds").toBe(200);
    expect(client.state(), "a successful probe closes the breaker").toBe("closed");
    expect((await client.get("/")).status).toBe(200);
    expect(state.requests).toBe(5);
  });

  it("half-open lets at most halfOpenMaxCalls probes through at once; the others fail fast", async () => {
    const { baseUrl, state } = await flaky([unavailable, { status: 200, body: "slow", delayMs: 100 }]);
    const { client, t } = makeClient(baseUrl, { retries: 0, breaker: { failureThreshold: 1, openMs: 1000, halfOpenMaxCalls: 2 } });
    await client.get("/");
    expect(client.state()).toBe("open");
    t.advance(1000);
    const results = await Promise.allSettled([client.get("/"), client.get("/"), client.get("/"), client.get("/")]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected" && r.reason instanceof CircuitOpenError);
    expect(fulfilled.length, "2 concurrent probes allowed").toBe(2);
    expect(refused.length, "the other 2 calls are refused with CircuitOpenError").toBe(2);
    expect(state.requests, "1 initial failure + 2 probes").toBe(3);
    expect(client.state()).toBe("closed");
  });
});
