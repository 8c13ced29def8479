import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../db/database.ts";
import { BadDriver, SlowDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, waitForResult, type TestLab } from "../test/lab.ts";

let lab: TestLab;
let crashLab: TestLab;
/** One grader whose sandboxes take 1.5 s to start: a queue forms behind it. */
let busyLab: TestLab;
/** The first lab's log lines (pino JSON). */
const logLines: string[] = [];

beforeAll(async () => {
  const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(line) });
  [lab, crashLab, busyLab] = await Promise.all([
    startTestLab({ SUBMISSIONS_PER_MINUTE: "3" }, { logger }),
    startTestLab({}, { driver: new BadDriver("crash") }),
    startTestLab({ GRADING_CONCURRENCY: "1" }, { driver: new SlowDriver(1500) }),
  ]);
});
afterAll(async () => {
  await Promise.all([lab?.close(), crashLab?.close(), busyLab?.close()]);
});

async function opened(l: TestLab, name: string): Promise<Client> {
  const c = await Client.signup(l.url, name);
  await c.json("POST", "/api/exercises/token-bucket/workspace", {});
  return c;
}

/** Reads a server-sent event stream to its end. */
async function events(c: Client, id: number): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const res = await c.request("GET", `/api/submissions/${id}/events`);
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((b) => b.startsWith("event:"))
    .map((b) => {
      const [e, d] = b.split("\n");
      return { event: e!.slice(7), data: JSON.parse(d!.slice(6)) as Record<string, unknown> };
    });
}

describe("the grading queue", () => {
  it("streams live progress: running, the step, each test as it finishes, then the result", async () => {
    const c = await opened(lab, "watcher");
    const { body } = await c.json<{ submission: { id: number } }>(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
    );
    const seen = await events(c, body.submission.id);
    const kinds = seen.map((e) => e.event);
    expect(kinds[0]).toBe("status");
    expect(kinds.at(-1)).toBe("done");
    const tests = seen.filter((e) => e.event === "test");
    expect(tests.length).toBe(14);
    expect(tests.every((t) => t.data.status === "pass" || t.data.status === "fail")).toBe(true);
    expect(seen.find((e) => e.event === "step" && e.data.state === "done")?.data).toMatchObject({
      kind: "unit",
      total: 14,
    });
    const done = seen.at(-1)!.data.submission as {
      status: string;
      result: { status: string; timing: { phases: { phase: string; start_ms: number; ms: number }[] } };
      queueWaitMs: number;
    };
    expect(done).toMatchObject({ status: "done", result: { status: "fail" }, queueWaitMs: expect.any(Number) });
    // Where the time went: in the stored result and in the lab's log line for the grading.
    expect(done.result.timing.phases.map((p) => p.phase)).toEqual(
      expect.arrayContaining(["sandbox-create", "vitest", "test-file", "teardown"]),
    );
    const graded = logLines
      .map(
        (l) => JSON.parse(l) as { msg: string; submission?: number; queueMs?: number; phases?: Record<string, number> },
      )
      .find((l) => l.msg === "graded" && l.submission === body.submission.id);
    expect(Object.keys(graded?.phases ?? {})).toEqual(
      expect.arrayContaining(["queue", "step", "sandbox-create", "vitest", "test-file", "teardown"]),
    );
    // The queue wait (202 → start) leads the breakdown, the same figure as the submission's and the log's.
    expect(done.result.timing.phases[0]).toEqual({
      phase: "queue",
      label: null,
      step: null,
      start_ms: -done.queueWaitMs,
      ms: done.queueWaitMs,
    });
    expect(graded?.queueMs).toBe(done.queueWaitMs);
    // Asked again after the end: the state and the result at once.
    expect((await events(c, body.submission.id)).map((e) => e.event)).toEqual(["status", "done"]);
  });

  it("replays what a grading reported so far to a page that connects late", async () => {
    const c = await opened(lab, "latecomer");
    const { body } = await c.json<{ submission: { id: number } }>(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
    );
    // Connect only once some tests have finished.
    const until = Date.now() + 30_000;
    let started = false;
    while (!started && Date.now() < until) {
      const { body: s } = await c.json<{ submission: { status: string } }>(
        "GET",
        `/api/submissions/${body.submission.id}`,
      );
      started = s.submission.status === "running";
      if (!started) await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 600));
    const seen = await events(c, body.submission.id);
    const kinds = seen.map((e) => e.event);
    // Either it was still running (the step and its tests are replayed) or it had ended.
    if (kinds.includes("step")) expect(seen.filter((e) => e.event === "test")).toHaveLength(14);
    else expect(kinds).toEqual(["status", "done"]);
    expect(kinds.at(-1)).toBe("done");
  });

  it("returns the same submission for a retried submit with the same Idempotency-Key", async () => {
    const c = await opened(lab, "retrier");
    const first = await c.request(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
      { "idempotency-key": "submit-1" },
    );
    const again = await c.request(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
      { "idempotency-key": "submit-1" },
    );
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await again.json()).submission.id).toBe((await first.json()).submission.id);
    const bad = await c.request(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
      { "idempotency-key": "bad key with spaces" },
    );
    expect(bad.status).toBe(400);
    const list = await c.json<{ submissions: unknown[] }>("GET", "/api/exercises/token-bucket/submissions");
    expect(list.body.submissions).toHaveLength(1);
  });

  it("limits submissions per user and minute, saying when to come back", async () => {
    const c = await opened(lab, "eager");
    for (let i = 0; i < 3; i++)
      expect((await c.json("POST", "/api/exercises/token-bucket/submissions", {})).status).toBe(202);
    const res = await c.request("POST", "/api/exercises/token-bucket/submissions", {});
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another learner is not affected.
    const other = await opened(lab, "patient");
    expect((await other.json("POST", "/api/exercises/token-bucket/submissions", {})).status).toBe(202);
  });

  it("signs each result; a tampered result no longer verifies", async () => {
    const c = await opened(lab, "signed");
    const { body } = await c.json<{ submission: { id: number } }>(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
    );
    await waitForResult(c, body.submission.id);
    const { body: got } = await c.json<{
      submission: { attestation: { algorithm: string; suite_hash: string; sandbox: string; signature: string } };
    }>("GET", `/api/submissions/${body.submission.id}`);
    expect(got.submission.attestation).toMatchObject({
      algorithm: "HMAC-SHA256",
      suite_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      sandbox: expect.stringMatching(/^bwrap:node20-/),
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const verify = await c.json<{ valid: boolean }>("GET", `/api/submissions/${body.submission.id}/verify`);
    expect(verify.body.valid).toBe(true);
    const db = new Database(path.join(lab.dataDir, "backlab.db"));
    db.run("UPDATE results SET body = json_set(body, '$.score', 100) WHERE submission_id = ?", [body.submission.id]);
    db.close();
    expect((await c.json<{ valid: boolean }>("GET", `/api/submissions/${body.submission.id}/verify`)).body.valid).toBe(
      false,
    );
  });

  it("ends a job as `error` when the grader itself cannot run", async () => {
    const c = await opened(crashLab, "unlucky");
    const { body } = await c.json<{ submission: { id: number } }>(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
    );
    const result = await waitForResult(c, body.submission.id, 20_000);
    expect(result).toMatchObject({ status: "error", message: expect.stringMatching(/could not run/) });
    const { body: got } = await c.json<{ submission: { status: string } }>(
      "GET",
      `/api/submissions/${body.submission.id}`,
    );
    expect(got.submission.status).toBe("error");
  });

  it("tells a queued submission its place, on the submission and live in its events, until a grader takes it", async () => {
    const people = await Promise.all(["first", "second", "third"].map((n) => opened(busyLab, n)));
    const ids: number[] = [];
    for (const c of people) {
      const { body } = await c.json<{ submission: { id: number } }>(
        "POST",
        "/api/exercises/token-bucket/submissions",
        {},
      );
      ids.push(body.submission.id);
    }
    const [first, , third] = people;
    const got = await third!.json<{ submission: { status: string }; queue: unknown }>(
      "GET",
      `/api/submissions/${ids[2]}`,
    );
    expect(got.body).toMatchObject({ submission: { status: "queued" }, queue: { ahead: 1, grading: 1 } });
    expect((await first!.json<{ queue: unknown }>("GET", `/api/submissions/${ids[0]}`)).body.queue).toBeNull();
    const seen = await events(third!, ids[2]!);
    expect(seen.slice(0, 4).map((e) => [e.event, e.data])).toEqual([
      ["status", { type: "status", status: "queued" }],
      ["queue", { type: "queue", ahead: 1, grading: 1 }],
      ["queue", { type: "queue", ahead: 0, grading: 1 }],
      ["status", { type: "status", status: "running" }],
    ]);
    // The phases inside the step, as they happen: a sandbox starting, then its end with its time.
    expect(seen.filter((e) => e.event === "phase").map((e) => `${e.data.phase}:${e.data.state}`)).toEqual(
      expect.arrayContaining(["sandbox-create:running", "sandbox-create:done"]),
    );
    expect(seen.at(-1)?.event).toBe("done");
    for (const [i, c] of people.entries()) await waitForResult(c, ids[i]!, 30_000);
  });
});
