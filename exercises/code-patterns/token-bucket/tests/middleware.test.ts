import { describe, it, expect, afterEach } from "vitest";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express, { type RequestHandler } from "express";
import { rateLimit } from "@workspace/src/middleware.ts";

function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

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

/** Starts app(middleware, GET / -> 200 {ok:true}) on a free loopback port. */
async function start(middleware: RequestHandler) {
  const app = express();
  const state = { handlerCalls: 0 };
  app.use(middleware);
  app.get("/", (_req, res) => {
    state.handlerCalls++;
    res.json({ ok: true });
  });
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  async function get(headers: Record<string, string> = {}) {
    const res = await fetch(url, { headers });
    const body = await res.text();
    return { res, body };
  }
  return { get, state };
}

describe("rateLimit middleware", () => {
  it("sets RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset on allowed responses", async () => {
    const t = fakeClock();
    const { get } = await start(rateLimit({ capacity: 3, refillPerSecond: 1, clock: t.clock }));
    const expected = [
      { remaining: "2", reset: "1" },
      { remaining: "1", reset: "2" },
      { remaining: "0", reset: "3" },
    ];
    for (const [i, want] of expected.entries()) {
      const { res } = await get();
      expect(res.status, `request ${i + 1} of 3 is within the burst`).toBe(200);
      expect(res.headers.get("ratelimit-limit"), `request ${i + 1}: RateLimit-Limit is the capacity`).toBe("3");
      expect(res.headers.get("ratelimit-remaining"), `request ${i + 1}: RateLimit-Remaining is whole tokens left after this request`).toBe(want.remaining);
      expect(res.headers.get("ratelimit-reset"), `request ${i + 1}: RateLimit-Reset is whole seconds (rounded up) until the bucket is full again`).toBe(want.reset);
    }
  });

  it("answers 429 with an RFC 9457 problem+json body and does not call the route handler", async () => {
    const t = fakeClock();
    // No keyGenerator: every request comes from 127.0.0.1, so they share one bucket.
    const { get, state } = await start(rateLimit({ capacity: 2, refillPerSecond: 1, clock: t.clock }));
    expect((await get()).res.status).toBe(200);
    expect((await get()).res.status).toBe(200);
    const { res, body } = await get();
    expect(res.status, "the 3rd request exceeds a burst of 2 (default key is the client IP)").toBe(429);
    expect(res.headers.get("content-type") ?? "", "429 body must be served as application/problem+json").toMatch(/^application\/problem\+json\b/);
    let problem: Record<string, unknown>;
    try {
      problem = JSON.parse(body) as Record<string, unknown>;
    } catch {
      expect.fail(`429 body is not JSON: ${body.slice(0, 200)}`);
    }
    expect(typeof problem.type === "string" && problem.type.length > 0, "problem.type must be a non-empty URI string, e.g. 'about:blank'").toBe(true);
    expect(problem.title, "problem.title").toBe("Too Many Requests");
    expect(problem.status, "problem.status must be the number 429").toBe(429);
    expect(typeof problem.detail === "string" && problem.detail.length > 0, "problem.detail must be a non-empty string").toBe(true);
    expect(res.headers.get("ratelimit-limit"), "429 responses carry RateLimit-Limit too").toBe("2");
    expect(res.headers.get("ratelimit-remaining"), "429 responses carry RateLimit-Remaining: 0").toBe("0");
    expect(res.headers.get("ratelimit-reset"), "429 responses carry RateLimit-Reset too").toBe("2");
    expect(state.handlerCalls, "the route handler must not run for a rejected request").toBe(2);
  });

  it("sends Retry-After in whole seconds, rounded up and at least 1, and lets the client in after waiting it", async () => {
    const t = fakeClock();
    // 0.25 tokens/s: one token every 4 s.
    const { get } = await start(rateLimit({ capacity: 1, refillPerSecond: 0.25, clock: t.clock }));
    expect((await get()).res.status).toBe(200);

    let { res } = await get();
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after"), "empty bucket, 1 token per 4 s: Retry-After 4").toBe("4");

    t.advance(1800); // 0.45 tokens, 2.2 s to go
    ({ res } = await get());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after"), "2.2 s to the next token must be rounded UP to 3").toBe("3");

    t.advance(2000); // 0.95 tokens, 0.2 s to go
    ({ res } = await get());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after"), "0.2 s to the next token must be sent as 1, never 0").toBe("1");

    t.advance(1000); // wait what Retry-After said
    ({ res } = await get());
    expect(res.status, "after waiting Retry-After seconds the request must be allowed").toBe(200);
    expect(res.headers.get("retry-after"), "allowed responses should not carry Retry-After").toBeNull();
  });

  it("limits each key separately, using keyGenerator", async () => {
    const t = fakeClock();
    const { get, state } = await start(
      rateLimit({
        capacity: 1,
        refillPerSecond: 1,
        clock: t.clock,
        keyGenerator: (req) => req.get("x-api-key") ?? "anonymous",
      }),
    );
    expect((await get({ "x-api-key": "alpha" })).res.status, "alpha's first request").toBe(200);
    expect((await get({ "x-api-key": "alpha" })).res.status, "alpha's second request exceeds her burst of 1").toBe(429);
    expect((await get({ "x-api-key": "beta" })).res.status, "beta has his own bucket; alpha's usage must not limit him").toBe(200);
    expect((await get()).res.status, "requests without a key use the 'anonymous' bucket").toBe(200);
    expect((await get({ "x-api-key": "beta" })).res.status, "beta's second request exceeds his burst of 1").toBe(429);
    expect(state.handlerCalls, "3 requests were allowed").toBe(3);
  });
});
