// Hidden tests for "Fail closed when the permission service fails": allowed and denied
// requests, then every way the permission service can fail (an error status, garbage, no
// answer in time, no connection), each refused with 503 and logged as one JSON security
// event without secrets, while the routes that don't need it stay up.
// Nothing here races a real timer against the machine's load: a hang is a request the stand-in
// holds (the tests wait until it holds it), the one slow answer comes at 40 % of the deadline
// (and 2 × the short timeout a wrong fixture hard-codes), time bounds are seconds wider than
// what they prove, and the log is read again until the line has arrived.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ADA, BOB, POLICY_TOKEN, TIMEOUT_MS, PolicyStub, call, healthy, show, waitForEvents } from "./support.ts";

// A check that hangs waits for POLICY_TIMEOUT_MS (2.5 s); give each test room on a loaded machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const stub = new PolicyStub();
beforeAll(async () => {
  await stub.start();
  // Warm the service's path to the permission service (its first fetch is the slowest); not graded.
  await call("/docs/doc-19", { key: BOB.key });
});
afterAll(() => stub.stop());
// A test that fails half-way must not leave the stand-in hanging for the next one.
afterEach(() => healthyAgain());

function healthyAgain() {
  stub.release();
  stub.behaviour = healthy;
}

/** `GET /docs/<doc>` as Ada must be 503. */
async function expect503(doc: string, what: string) {
  const r = await call(`/docs/${doc}`, { key: ADA.key });
  expect(r.status, show(`GET /docs/${doc} while the permission service ${what}`, r)).toBe(503);
  return r;
}

/** Each refusal must be logged: one JSON security event of its reason for Ada's read of the doc. */
async function expectEvents(refusals: { doc: string; reason: string; what: string }[]) {
  const { found } = await waitForEvents(refusals.map((f) => `doc:${f.doc}`));
  for (const { doc, reason, what } of refusals) {
    const events = found.get(`doc:${doc}`)!;
    expect(events.length, `one JSON log line {"event":"authz_unavailable","resource":"doc:${doc}",…} on stdout when the permission service ${what}`).toBeGreaterThan(0);
    expect(events.at(-1), `the security event for doc:${doc}`).toMatchObject({ reason, user: ADA.id, action: "read" });
  }
}

/** Resolves once the stand-in holds `n` hung checks; fails (instead of waiting out the test) if they never come. */
async function hanging(n: number, what: string) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: only ${stub.held} of ${n} checks reached the permission service within 15 s`)), 15_000)));
  try {
    await Promise.race([stub.hanging(n), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("with a healthy permission service", () => {
  it("allowed reads are served, denied ones are 403, and the check carries the user, action, resource and token", async () => {
    healthyAgain();
    stub.seen = [];
    const ok = await call("/docs/doc-1", { key: BOB.key });
    expect(ok.status, show("Bob's GET /docs/doc-1 (allowed)", ok)).toBe(200);
    expect(JSON.parse(ok.text), "the document").toMatchObject({ id: "doc-1" });
    expect(stub.seen.at(-1), "what the permission service received").toEqual({
      authorization: `Bearer ${POLICY_TOKEN}`,
      check: { subject: BOB.id, action: "read", resource: "doc:doc-1" },
    });
    const denied = await call("/docs/doc-2", { key: BOB.key });
    expect(denied.status, show("Bob's GET /docs/doc-2 (the permission service says allow: false)", denied)).toBe(403);
    const anonymous = await call("/docs/doc-1");
    expect(anonymous.status, show("GET /docs/doc-1 without an API key", anonymous)).toBe(401);
  });

  it("an answer that is slow but inside POLICY_TIMEOUT_MS still counts", async () => {
    // 1 s: 1.5 s inside the deadline, and twice a timeout hard-coded to half a second.
    stub.behaviour = (c) => ({ ...(healthy(c) as object), delayMs: 1000 });
    const r = await call("/docs/doc-3", { key: ADA.key });
    healthyAgain();
    expect(r.status, show(`GET /docs/doc-3 with the permission service answering after 1000 ms (POLICY_TIMEOUT_MS is ${TIMEOUT_MS})`, r)).toBe(200);
  });
});

describe("a failing permission service means 503, logged", () => {
  it("error statuses are not answers, even with allow: true in the body", async () => {
    const refusals = [];
    for (const [i, status] of [500, 502, 404, 401].entries()) {
      stub.behaviour = () => ({ status, body: JSON.stringify({ allow: true, error: "oops" }) });
      const what = `answers ${status} {"allow":true}`;
      await expect503(`doc-${4 + i}`, what);
      refusals.push({ doc: `doc-${4 + i}`, reason: "bad_answer", what });
    }
    healthyAgain();
    await expectEvents(refusals);
  });

  it("garbage is not an answer: HTML, empty, {}, a string or number allow, an array", async () => {
    const bodies = ["<html>Bad gateway</html>", "", "{}", '{"allow":"true"}', '{"allow":1}', "[true]", '{"allow":"false"}'];
    const refusals = [];
    for (const [i, body] of bodies.entries()) {
      stub.behaviour = () => ({ status: 200, body });
      const what = `answers 200 ${JSON.stringify(body)}`;
      await expect503(`doc-${8 + i}`, what);
      refusals.push({ doc: `doc-${8 + i}`, reason: "bad_answer", what });
    }
    healthyAgain();
    await expectEvents(refusals);
  });

  it("no answer within POLICY_TIMEOUT_MS is a timeout: 503 soon after the deadline", async () => {
    stub.behaviour = () => "hang";
    // Two at once: each request has its own deadline. The bound is 3 s past it (what it proves:
    // the wait ends at all, near the deadline); the caller gives up 7.5 s past it.
    const [r] = await Promise.all([expect503("doc-15", "never answers"), expect503("doc-16", "never answers")]);
    healthyAgain();
    expect(r.ms, `the 503 must come soon after POLICY_TIMEOUT_MS (${TIMEOUT_MS} ms), not ${r.ms - TIMEOUT_MS} ms later`).toBeLessThan(TIMEOUT_MS + 3000);
    await expectEvents([
      { doc: "doc-15", reason: "timeout", what: "never answers" },
      { doc: "doc-16", reason: "timeout", what: "never answers" },
    ]);
  });

  it("deletes fail closed too: the document survives", async () => {
    stub.behaviour = () => ({ status: 500, body: "" });
    const r = await call("/docs/doc-17", { key: ADA.key, method: "DELETE" });
    healthyAgain();
    expect(r.status, show("DELETE /docs/doc-17 while the permission service answers 500", r)).toBe(503);
    const still = await call("/docs/doc-17", { key: ADA.key });
    expect(still.status, show("GET /docs/doc-17 afterwards (the delete must not have happened)", still)).toBe(200);
  });

  it("the logs never hold a secret: not POLICY_TOKEN, not a caller's API key", async () => {
    stub.behaviour = () => ({ status: 503, body: "Service Unavailable" });
    for (const key of [ADA.key, BOB.key]) await call("/docs/doc-18", { key });
    healthyAgain();
    // Once both events have been read, whatever the service wrote with them has been too.
    const { text, found } = await waitForEvents(["doc:doc-18"], 2);
    expect(text.length, "the service's output").toBeGreaterThan(0);
    expect(text.includes(POLICY_TOKEN), "POLICY_TOKEN appears in the service's output").toBe(false);
    for (const key of [ADA.key, BOB.key]) expect(text.includes(key), `the API key ${key.slice(0, 7)}… appears in the service's output`).toBe(false);
    expect(found.get("doc:doc-18")!.length, "both refusals logged as JSON security events").toBeGreaterThanOrEqual(2);
  });
});

describe("the rest of the service stays up", () => {
  it("while checks hang, /healthz and /announcements answer at once", async () => {
    stub.behaviour = () => "hang";
    // Five different checks (Bob has not asked for these documents before), all held.
    const held = [3, 4, 5, 6, 7].map((n) => call(`/docs/doc-${n}`, { key: BOB.key }));
    await hanging(5, "Bob's reads of /docs/doc-3 … doc-7");
    const health = await call("/healthz", { timeoutMs: 5000 });
    const news = await call("/announcements", { timeoutMs: 5000 });
    healthyAgain();
    await Promise.all(held);
    expect(health.status, show("GET /healthz while 5 checks hang", health)).toBe(200);
    expect(news.status, show("GET /announcements (public, needs no permission) while 5 checks hang", news)).toBe(200);
  });

  it("after an outage the next checks go to the permission service again", async () => {
    stub.behaviour = () => ({ status: 500, body: "" });
    await call("/docs/doc-20", { key: BOB.key });
    healthyAgain();
    const r = await call("/docs/doc-20", { key: BOB.key });
    expect(r.status, show("Bob's GET /docs/doc-20 once the permission service is healthy again", r)).toBe(200);
  });

  it("an unreachable permission service (connection refused) means 503, and the service lives on", async () => {
    await stub.stop();
    await expect503("doc-1", "refuses connections");
    await expectEvents([{ doc: "doc-1", reason: "unreachable", what: "refuses connections" }]);
    const health = await call("/healthz", { timeoutMs: 5000 });
    expect(health.status, show("GET /healthz after a check met a refused connection", health)).toBe(200);
  });
});
