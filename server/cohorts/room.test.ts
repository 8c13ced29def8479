import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../audit/service.ts";
import { Database, migrate } from "../db/database.ts";
import type { Catalog, Exercise } from "../../graders/exercise/catalog.ts";
import { createLogger } from "../logger.ts";
import { Workspaces } from "../workspaces/service.ts";
import { HelpDesk } from "./help-desk.ts";
import { purgeEndedCohorts } from "./retention.ts";
import { Room } from "./room.ts";
import { Cohorts } from "./service.ts";

/** The room's signals and the retention job against a real (in-memory) database. */

const catalog: Catalog = {
  exercises: new Map([
    ["ex-a", { id: "ex-a", title: "A", maxScore: 10 } as Exercise],
    ["ex-b", { id: "ex-b", title: "B", maxScore: 20 } as Exercise],
  ]),
  problems: [],
};
const owner = { id: 1, email: "i@example.test", displayName: "I", role: "instructor" as const };

let db: Database;
let cohorts: Cohorts;
let desk: HelpDesk;
const typedAt = new Map<number, number>();

function user(id: number, name: string): void {
  db.run(
    "INSERT INTO users (id, email, display_name, password_hash, role, created_at) VALUES (?, ?, ?, 'x', 'learner', ?)",
    [id, `${name}@example.test`, name, new Date().toISOString()],
  );
}

/** A graded submission whose results fail (or pass) the named tests. */
function graded(userId: number, exerciseId: string, failing: string[], pass = false): void {
  let ws = db.get<{ id: number }>("SELECT id FROM workspaces WHERE user_id = ? AND exercise_id = ?", [
    userId,
    exerciseId,
  ])?.id;
  ws ??= Number(
    db.run("INSERT INTO workspaces (user_id, exercise_id, created_at, seeded_at) VALUES (?, ?, ?, ?)", [
      userId,
      exerciseId,
      new Date().toISOString(),
      new Date().toISOString(),
    ]).lastInsertRowid,
  );
  const sub = Number(
    db.run(
      "INSERT INTO submissions (workspace_id, user_id, exercise_id, status, created_at) VALUES (?, ?, ?, 'done', ?)",
      [ws, userId, exerciseId, new Date().toISOString()],
    ).lastInsertRowid,
  );
  const tests = [...failing.map((name) => ({ name, status: "fail" })), { name: "always fine", status: "pass" }];
  db.run(
    "INSERT INTO results (submission_id, status, score, max_score, duration_ms, body, created_at) VALUES (?, ?, ?, 10, 5, ?, ?)",
    [sub, pass ? "pass" : "fail", pass ? 10 : 4, JSON.stringify({ tests }), new Date().toISOString()],
  );
}

beforeEach(() => {
  db = new Database(":memory:");
  migrate(db);
  user(1, "inst");
  user(2, "amy");
  user(3, "bob");
  cohorts = new Cohorts(db, catalog);
  desk = new HelpDesk(db, cohorts, new AuditLog(db));
  const c = cohorts.create(owner, {
    name: "C",
    description: "",
    track: ["ex-a", "ex-b"],
    startsAt: null,
    endsAt: null,
    seats: 5,
    hints: true,
    solution: "after_pass",
    leaderboard: "off",
    coInstructors: [],
    joinLink: true,
  });
  cohorts.join({ id: 2, email: "amy@example.test", displayName: "amy", role: "learner" }, c.joinCode!);
  cohorts.join({ id: 3, email: "bob@example.test", displayName: "bob", role: "learner" }, c.joinCode!);
  typedAt.clear();
});

afterEach(() => db.close());

const room = () =>
  new Room(
    db,
    catalog,
    cohorts,
    desk,
    { lastActivity: (ws) => typedAt.get(ws) },
    { failedInRow: 3, sameTest: 3, idleMinutes: 10 },
  );

describe("needs help", () => {
  it("flags N failures in a row and the same hidden test failing K times, with the evidence", () => {
    graded(2, "ex-a", ["refills lazily"]);
    graded(2, "ex-a", ["refills lazily", "429 body"]);
    expect(
      room()
        .rows(1)
        .find((r) => r.userId === 2)!.needsHelp,
    ).toEqual([]);
    graded(2, "ex-a", ["refills lazily"]);
    const amy = room()
      .rows(1)
      .find((r) => r.userId === 2)!;
    expect(amy.needsHelp).toEqual([
      { kind: "failed_in_row", count: 3, exerciseId: "ex-a" },
      { kind: "same_test_failing", test: "refills lazily", count: 3, exerciseId: "ex-a" },
    ]);
    expect(amy.cells[0]).toMatchObject({ status: "in_progress", attempts: 3, best: 4, maxScore: 10 });
    expect(amy.cells[1]).toMatchObject({ status: "not_started", attempts: 0 });
    // A pass ends the streak: nothing to flag on a passed exercise.
    graded(2, "ex-a", [], true);
    expect(
      room()
        .rows(1)
        .find((r) => r.userId === 2)!.needsHelp,
    ).toEqual([]);
    expect(
      room()
        .rows(1)
        .find((r) => r.userId === 2)!.cells[0]!.status,
    ).toBe("passed");
  });

  it("flags a learner idle M minutes with the exercise open, and a raised hand", () => {
    graded(3, "ex-b", ["x"]);
    const ws = db.get<{ id: number }>("SELECT id FROM workspaces WHERE user_id = 3")!.id;
    db.run("UPDATE submissions SET created_at = ? WHERE user_id = 3", [
      new Date(Date.now() - 30 * 60_000).toISOString(),
    ]);
    // No open terminal: not idle "with the exercise open".
    expect(
      room()
        .rows(1)
        .find((r) => r.userId === 3)!.needsHelp,
    ).toEqual([]);
    typedAt.set(ws, Date.now() - 12 * 60_000);
    expect(
      room()
        .rows(1)
        .find((r) => r.userId === 3)!.needsHelp,
    ).toEqual([{ kind: "idle", minutes: 12, exerciseId: "ex-b" }]);
    typedAt.set(ws, Date.now() - 60_000);
    expect(
      room()
        .rows(1)
        .find((r) => r.userId === 3)!.needsHelp,
    ).toEqual([]);
    desk.raise(1, { id: 3, email: "bob@example.test", displayName: "bob", role: "learner" }, "help", "ex-b");
    expect(
      room()
        .rows(1)
        .find((r) => r.userId === 3)!.needsHelp,
    ).toEqual([expect.objectContaining({ kind: "hand", message: "help" })]);
  });
});

describe("retention", () => {
  it("removes an ended cohort's workspace files after the retention period, keeps scores, logs and audits it", () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-retention-"));
    try {
      const workspaces = new Workspaces(db, dataDir);
      graded(2, "ex-a", ["x"]);
      const ws = db.get<{ id: number }>("SELECT id FROM workspaces WHERE user_id = 2")!.id;
      fs.mkdirSync(path.join(workspaces.root, String(ws)));
      fs.writeFileSync(path.join(workspaces.root, String(ws), "index.ts"), "code");
      const logged: unknown[] = [];
      const log = createLogger("silent");
      log.info = ((o: unknown) => logged.push(o)) as never;
      const deps = { db, workspaces, log, audit: new AuditLog(db), isLive: () => false };
      db.run("UPDATE cohorts SET ends_at = ?", [new Date(Date.now() - 5 * 86_400_000).toISOString()]);
      expect(purgeEndedCohorts(deps, 7)).toEqual({ cohorts: [], workspaces: [] });
      expect(fs.existsSync(path.join(workspaces.root, String(ws), "index.ts"))).toBe(true);
      expect(purgeEndedCohorts(deps, 3)).toEqual({ cohorts: [1], workspaces: [ws] });
      expect(fs.existsSync(path.join(workspaces.root, String(ws)))).toBe(false);
      expect(
        db.get<{ seeded_at: string | null }>("SELECT seeded_at FROM workspaces WHERE id = ?", [ws])!.seeded_at,
      ).toBeNull();
      expect(db.get<{ n: number }>("SELECT count(*) AS n FROM results")!.n).toBe(1);
      expect(logged).toContainEqual(expect.objectContaining({ cohort: 1, workspace: ws, user: 2 }));
      expect(db.get<{ action: string; target_id: string }>("SELECT action, target_id FROM audit_log")).toEqual({
        action: "cohort.retention.purge",
        target_id: "1",
      });
      // Once purged, never again.
      expect(purgeEndedCohorts(deps, 3).cohorts).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
