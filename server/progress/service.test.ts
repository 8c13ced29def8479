import { beforeEach, describe, expect, it, vi } from "vitest";
import { Database, migrate } from "../db/database.ts";
import type { Catalog, Exercise } from "../../graders/exercise/catalog.ts";
import { Progress } from "./service.ts";

let db: Database;
let progress: Progress;
let clock = 0;
const at = () => new Date(Date.UTC(2026, 0, 1) + clock++ * 60_000).toISOString();

function catalogOf(items: { id: string; area: string; maxScore: number }[]): Catalog {
  const exercises = new Map(items.map((e) => [e.id, { ...e, title: e.id.toUpperCase() } as unknown as Exercise]));
  return { exercises, problems: [] };
}

function user(email: string): number {
  return Number(
    db.run("INSERT INTO users (email, display_name, password_hash, created_at) VALUES (?, 'x', 'x', ?)", [email, at()])
      .lastInsertRowid,
  );
}

function workspace(userId: number, exerciseId: string): number {
  return Number(
    db.run("INSERT INTO workspaces (user_id, exercise_id, created_at) VALUES (?, ?, ?)", [userId, exerciseId, at()])
      .lastInsertRowid,
  );
}

/** A submission; with a result unless `result` is null (still queued). */
function submit(
  userId: number,
  ws: number,
  exerciseId: string,
  result: { status: "pass" | "fail" | "error"; score: number; max: number } | null,
): number {
  const id = Number(
    db.run("INSERT INTO submissions (workspace_id, user_id, exercise_id, status, created_at) VALUES (?, ?, ?, ?, ?)", [
      ws,
      userId,
      exerciseId,
      result ? (result.status === "error" ? "error" : "done") : "queued",
      at(),
    ]).lastInsertRowid,
  );
  if (result)
    db.run(
      "INSERT INTO results (submission_id, status, score, max_score, duration_ms, body, created_at) VALUES (?, ?, ?, ?, 1, '{}', ?)",
      [id, result.status, result.score, result.max, at()],
    );
  return id;
}

beforeEach(() => {
  db = new Database(":memory:");
  migrate(db);
  clock = 0;
  progress = new Progress(
    db,
    catalogOf([
      { id: "rest", area: "api-design", maxScore: 100 },
      { id: "graph", area: "api-design", maxScore: 50 },
      { id: "notes", area: "security", maxScore: 130 },
      { id: "bucket", area: "code-patterns", maxScore: 100 },
    ]),
  );
});

describe("Progress", () => {
  it("derives not started, in progress and passed, with the best score and attempts", () => {
    const ada = user("ada@example.test");
    const rest = workspace(ada, "rest");
    submit(ada, rest, "rest", { status: "fail", score: 40, max: 100 });
    submit(ada, rest, "rest", { status: "pass", score: 100, max: 100 });
    submit(ada, rest, "rest", { status: "fail", score: 70, max: 100 });
    const notes = workspace(ada, "notes");
    submit(ada, notes, "notes", { status: "fail", score: 35, max: 130 });
    submit(ada, notes, "notes", { status: "error", score: 0, max: 130 });
    submit(ada, notes, "notes", null);
    workspace(ada, "graph");

    const mine = progress.byExercise(ada);
    expect(progress.of(mine, "rest")).toEqual({
      status: "passed",
      best: { score: 100, maxScore: 100 },
      attempts: 3,
      lastAttemptAt: expect.any(String),
    });
    // A grader error is an attempt, never a score; a queued submission is an attempt too.
    expect(progress.of(mine, "notes")).toMatchObject({
      status: "in_progress",
      best: { score: 35, maxScore: 130 },
      attempts: 3,
    });
    // Opened but never submitted.
    expect(progress.of(mine, "graph")).toEqual({ status: "in_progress", best: null, attempts: 0, lastAttemptAt: null });
    expect(progress.of(mine, "bucket")).toEqual({
      status: "not_started",
      best: null,
      attempts: 0,
      lastAttemptAt: null,
    });
  });

  it("never mixes in another learner's submissions", () => {
    const ada = user("ada@example.test");
    const bob = user("bob@example.test");
    submit(bob, workspace(bob, "rest"), "rest", { status: "pass", score: 100, max: 100 });
    expect(progress.byExercise(ada).size).toBe(0);
    expect(progress.dashboard(ada).history).toEqual([]);
    expect(progress.dashboard(bob).overall.passed).toBe(1);
  });

  it("reads the catalog's statuses in one query, whatever the number of exercises", () => {
    const ada = user("ada@example.test");
    for (let i = 0; i < 30; i++) {
      const ws = workspace(ada, `ex-${i}`);
      submit(ada, ws, `ex-${i}`, { status: i % 2 ? "pass" : "fail", score: i, max: 30 });
    }
    const prepare = vi.spyOn(db.raw, "prepare");
    const mine = progress.byExercise(ada);
    expect(prepare).toHaveBeenCalledTimes(1);
    expect(mine.size).toBe(30);
    expect([...mine.values()].filter((p) => p.status === "passed")).toHaveLength(15);
  });

  it("totals per area and overall, and keeps graded attempts oldest first for the chart", () => {
    const ada = user("ada@example.test");
    const rest = workspace(ada, "rest");
    const first = submit(ada, rest, "rest", { status: "fail", score: 40, max: 100 });
    const second = submit(ada, rest, "rest", { status: "pass", score: 100, max: 100 });
    const notes = workspace(ada, "notes");
    submit(ada, notes, "notes", { status: "error", score: 0, max: 130 });
    const third = submit(ada, notes, "notes", { status: "fail", score: 60, max: 130 });
    // An exercise no longer in the catalog counts nowhere.
    submit(ada, workspace(ada, "retired"), "retired", { status: "pass", score: 10, max: 10 });

    const d = progress.dashboard(ada);
    expect(d.overall).toEqual({ passed: 1, total: 4, points: 160, maxPoints: 380, attempts: 4, inProgress: 1 });
    expect(d.areas.map((a) => a.id)).toEqual(["api-design", "security", "code-patterns"]);
    expect(d.areas[0]).toMatchObject({
      title: "API design",
      passed: 1,
      total: 2,
      points: 100,
      maxPoints: 150,
      attempts: 2,
    });
    expect(d.areas[1]).toMatchObject({ passed: 0, total: 1, points: 60, maxPoints: 130, attempts: 2 });
    expect(d.history.map((h) => h.submissionId)).toEqual([first, second, third]);
    expect(d.history[1]).toMatchObject({ exerciseId: "rest", status: "pass", score: 100, maxScore: 100 });
    expect(d.exercises.find((e) => e.id === "bucket")).toMatchObject({
      status: "not_started",
      maxScore: 100,
      area: "code-patterns",
    });
  });
});
