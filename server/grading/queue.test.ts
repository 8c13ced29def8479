import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type Database } from "../db/database.ts";
import { createLogger } from "../logger.ts";
import { NeverDriver } from "../../graders/sandbox/doubles.ts";
import type { Workspace } from "../workspaces/service.ts";
import { Grading, POLL_MS, type SubmissionEvent } from "./service.ts";

// The queue's wake-ups under fake timers: what a worker does while the lab is quiet is
// decided by timers alone, so a minute of idling takes milliseconds and nothing is luck.

let dir: string;
let db: Database;
let grading: Grading;
let ws: Workspace;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-queue-"));
  db = openDatabase(dir);
  db.run(
    "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES (1, 'q@lab.test', 'Q', 'x', 'now')",
  );
  db.run("INSERT INTO workspaces (id, user_id, exercise_id, created_at) VALUES (1, 1, 'gone', 'now')");
  const wsDir = path.join(dir, "ws");
  fs.mkdirSync(wsDir);
  fs.writeFileSync(path.join(wsDir, "index.ts"), "export {};\n");
  ws = { id: 1, userId: 1, exerciseId: "gone", dir: wsDir, uid: process.getuid!() };
  // An exercise that is not in the catalog is graded at once (an `error` result): the tests
  // watch the queue, not a grader. The driver would never start a sandbox anyway.
  grading = new Grading(db, dir, new NeverDriver(), () => undefined, createLogger("silent"), {
    sandboxIdentity: () => "never",
    perMinute: 1000,
  });
});

afterEach(async () => {
  await grading.stop();
  vi.useRealTimers();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** When each submission's grading started (fake clock), from the live events. */
function startTimes(): Map<number, number> {
  const started = new Map<number, number>();
  const listen = (id: number) =>
    grading.events.on(`sub:${id}`, (e: SubmissionEvent) => {
      if (e.type === "status" && e.status === "running") started.set(id, Date.now());
    });
  for (let id = 1; id <= 10; id++) listen(id);
  return started;
}

describe("the grading queue's workers", () => {
  it("start a submission within 100 ms after idling longer than the poll interval, every time", async () => {
    const started = startTimes();
    grading.start(2);
    for (let round = 0; round < 3; round++) {
      await vi.advanceTimersByTimeAsync(POLL_MS * 1.5);
      const submittedAt = Date.now();
      const { id } = grading.submit(ws);
      await vi.advanceTimersByTimeAsync(100);
      expect(started.get(id), `submission ${id} (round ${round}) had not started 100 ms after its 202`).toBeDefined();
      expect(started.get(id)! - submittedAt).toBeLessThanOrEqual(100);
      const s = grading.get(id, 1);
      expect(s.status).toBe("error");
      expect(s.queueWaitMs).toBeLessThanOrEqual(100);
      expect(s.startedAt).not.toBeNull();
    }
  });

  it("keep one wake-up per idle worker: the list does not grow during an idle minute", async () => {
    grading.start(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(grading.idleWorkers).toBe(3);
    for (let t = 0; t < 60_000; t += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      expect(grading.idleWorkers).toBe(3);
    }
    // Still all wakeable: three submissions at once are all taken without waiting for a poll.
    const ids = [grading.submit(ws).id, grading.submit(ws).id, grading.submit(ws).id];
    await vi.advanceTimersByTimeAsync(100);
    expect(ids.map((id) => grading.get(id, 1).status)).toEqual(["error", "error", "error"]);
    expect(grading.idleWorkers).toBe(3);
  });

  it("report the queue wait of a submission that waited for a busy lab, on the submission and in its timing", async () => {
    // No worker yet: the submission waits 2 s, as behind a full queue, then is taken at once.
    const { id } = grading.submit(ws);
    expect(grading.get(id, 1)).toMatchObject({ status: "queued", startedAt: null, queueWaitMs: null });
    await vi.advanceTimersByTimeAsync(2000);
    grading.start(1);
    await vi.advanceTimersByTimeAsync(10);
    const s = grading.get(id, 1);
    expect(s.status).toBe("error");
    expect(s.queueWaitMs).toBeGreaterThanOrEqual(2000);
    expect(s.queueWaitMs).toBeLessThan(2100);
    // The same wait is the first phase of the grading's timing breakdown, before its start.
    expect(s.result?.timing?.phases[0]).toEqual({
      phase: "queue",
      label: null,
      step: null,
      start_ms: -s.queueWaitMs!,
      ms: s.queueWaitMs,
    });
  });

  it("tell a queued submission its place: queued before it and being graded, then each move up as workers take them", async () => {
    const ids = [grading.submit(ws).id, grading.submit(ws).id, grading.submit(ws).id];
    expect(ids.map((id) => grading.queuePosition(id))).toEqual([
      { ahead: 0, grading: 0 },
      { ahead: 1, grading: 0 },
      { ahead: 2, grading: 0 },
    ]);
    const heard: Record<number, unknown[]> = {};
    for (const id of ids)
      grading.events.on(`sub:${id}`, (e: SubmissionEvent) => {
        if (e.type === "queue") (heard[id] ??= []).push({ ahead: e.ahead, grading: e.grading });
      });
    grading.start(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(heard[ids[0]!]).toBeUndefined();
    expect(heard[ids[1]!]).toEqual([{ ahead: 0, grading: 1 }]);
    expect(heard[ids[2]!]).toEqual([
      { ahead: 1, grading: 1 },
      { ahead: 0, grading: 1 },
    ]);
    // Out of the queue: no place any more.
    expect(ids.map((id) => grading.queuePosition(id))).toEqual([null, null, null]);
  });
});
