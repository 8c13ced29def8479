import { describe, it, expect, afterEach } from "vitest";
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createResilientClient } from "../src/resilient.ts";

/** A local server that answers each request with the next status of `statuses` (the last one repeats). */
async function flakyServer(statuses: number[]) {
  const state = { requests: 0 };
  const server: Server = createServer((_req, res) => {
    const status = statuses[Math.min(state.requests, statuses.length - 1)] ?? 200;
    state.requests++;
    res.statusCode = status;
    res.end(`status ${status}`);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { baseUrl: `http://127.0.0.1:${port}`, state };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe("createResilientClient (examples — add your own)", () => {
  it("retries a 503 and records the backoff delays instead of sleeping", async () => {
    const { baseUrl, state } = await flakyServer([503, 503, 200]);
    const delays: number[] = [];
    const client = createResilientClient({
      baseUrl,
      timeoutMs: 1000,
      retries: 3,
      backoff: { baseMs: 100, maxMs: 1000 },
      breaker: { failureThreshold: 10, openMs: 5000, halfOpenMaxCalls: 1 },
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
    });
    const res = await client.get("/data");
    expect(res.status).toBe(200);
    expect(state.requests).toBe(3);
    expect(delays).toHaveLength(2);
  });
});
