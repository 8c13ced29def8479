import type { HelpSignal, Room as RoomView, RoomCell, RoomRow } from "../contract/cohorts.ts";
import type { Database } from "../db/database.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import type { HelpDesk } from "./help-desk.ts";
import type { Cohorts } from "./service.ts";

/**
 * The instructor's live room: one row per member, one cell per track exercise, and the
 * "needs help" signals with the evidence behind each. Read from the database on demand
 * (one query for the cells, one for the recent results), so a restart loses nothing.
 */

export type Thresholds = { failedInRow: number; sameTest: number; idleMinutes: number };
export const DEFAULT_THRESHOLDS: Thresholds = { failedInRow: 3, sameTest: 3, idleMinutes: 10 };

/** What the room needs of the terminal layer: is a shell open and when was it last used. */
export type TerminalActivity = { lastActivity(workspaceId: number): number | undefined };

type CellRow = {
  user_id: number;
  exercise_id: string;
  ws: number;
  attempts: number;
  last_at: string | null;
  passed: number;
  best: number | null;
  latest: number | null;
  latest_status: RoomCell["latestStatus"];
};
type ResultRow = { user_id: number; exercise_id: string; status: string; body: string };

/** Results looked at per learner and exercise for the streak signals. */
const RECENT = 20;

export class Room {
  constructor(
    private db: Database,
    private catalog: Catalog,
    private cohorts: Cohorts,
    private desk: HelpDesk,
    private terminals: TerminalActivity,
    readonly thresholds: Thresholds = DEFAULT_THRESHOLDS,
  ) {}

  view(cohortId: number): RoomView {
    const c = this.cohorts.row(cohortId);
    return {
      cohort: this.cohorts.summary(c),
      track: this.cohorts.track(cohortId),
      rows: this.rows(cohortId),
      hands: this.desk.hands(cohortId),
      thresholds: this.thresholds,
    };
  }

  /** Rows of the room; `only` narrows it to one member (a live update). */
  rows(cohortId: number, only?: number): RoomRow[] {
    const members = this.db.all<{ id: number; display_name: string; email: string }>(
      `SELECT u.id, u.display_name, u.email FROM cohort_members m JOIN users u ON u.id = m.user_id
        WHERE m.cohort_id = ? ${only ? "AND u.id = ?" : ""} ORDER BY u.display_name COLLATE NOCASE, u.id`,
      only ? [cohortId, only] : [cohortId],
    );
    const track = this.cohorts.track(cohortId);
    const filter = only ? "AND w.user_id = ?" : "";
    const args = only ? [cohortId, only] : [cohortId];
    const cells = this.db.all<CellRow>(
      `SELECT w.user_id, w.exercise_id, w.id AS ws, count(s.id) AS attempts, max(s.created_at) AS last_at,
              coalesce(max(r.status = 'pass'), 0) AS passed, max(r.score) AS best, max(s.id) AS latest,
              (SELECT coalesce(r2.status, s2.status) FROM submissions s2 LEFT JOIN results r2 ON r2.submission_id = s2.id
                WHERE s2.workspace_id = w.id ORDER BY s2.id DESC LIMIT 1) AS latest_status
         FROM cohort_members m
         JOIN workspaces w ON w.user_id = m.user_id
         JOIN cohort_track t ON t.cohort_id = m.cohort_id AND t.exercise_id = w.exercise_id
         LEFT JOIN submissions s ON s.workspace_id = w.id
         LEFT JOIN results r ON r.submission_id = s.id AND r.status <> 'error'
        WHERE m.cohort_id = ? ${filter}
        GROUP BY w.id`,
      args,
    );
    const results = this.db.all<ResultRow>(
      `SELECT s.user_id, s.exercise_id, r.status, r.body FROM (
          SELECT s.*, row_number() OVER (PARTITION BY s.user_id, s.exercise_id ORDER BY s.id DESC) AS n
            FROM submissions s JOIN cohort_members m ON m.user_id = s.user_id AND m.cohort_id = ?
            JOIN cohort_track t ON t.cohort_id = m.cohort_id AND t.exercise_id = s.exercise_id
           WHERE s.status = 'done' ${only ? "AND s.user_id = ?" : ""}) s
         JOIN results r ON r.submission_id = s.id
        WHERE s.n <= ${RECENT}
        ORDER BY s.id DESC`,
      args,
    );
    const byCell = new Map(cells.map((c) => [`${c.user_id}:${c.exercise_id}`, c]));
    const recent = new Map<string, ResultRow[]>();
    for (const r of results) {
      const k = `${r.user_id}:${r.exercise_id}`;
      recent.set(k, [...(recent.get(k) ?? []), r]);
    }
    const hands = new Map(
      this.desk
        .hands(cohortId)
        .filter((h) => !h.resolvedAt)
        .map((h) => [h.userId, h]),
    );
    return members.map((m) => {
      const needsHelp: HelpSignal[] = [];
      const hand = hands.get(m.id);
      if (hand) needsHelp.push({ kind: "hand", message: hand.message, since: hand.raisedAt });
      const rowCells: RoomCell[] = track.map((t) => {
        const c = byCell.get(`${m.id}:${t.exerciseId}`);
        const maxScore = this.catalog.exercises.get(t.exerciseId)?.maxScore ?? 0;
        if (!c)
          return {
            exerciseId: t.exerciseId,
            status: "not_started",
            best: null,
            maxScore,
            attempts: 0,
            lastActivityAt: null,
            workspaceId: null,
            latestSubmissionId: null,
            latestStatus: null,
            terminalLive: false,
          };
        const typed = this.terminals.lastActivity(c.ws);
        const lastActivity = Math.max(c.last_at ? Date.parse(c.last_at) : 0, typed ?? 0);
        const passed = c.passed === 1;
        if (!passed)
          needsHelp.push(
            ...this.signals(
              t.exerciseId,
              recent.get(`${m.id}:${t.exerciseId}`) ?? [],
              typed !== undefined ? lastActivity : undefined,
            ),
          );
        return {
          exerciseId: t.exerciseId,
          status: passed ? "passed" : "in_progress",
          best: c.best,
          maxScore,
          attempts: c.attempts,
          lastActivityAt: lastActivity ? new Date(lastActivity).toISOString() : null,
          workspaceId: c.ws,
          latestSubmissionId: c.latest,
          latestStatus: c.latest_status,
          terminalLive: typed !== undefined,
        };
      });
      return { userId: m.id, displayName: m.display_name, email: m.email, cells: rowCells, needsHelp };
    });
  }

  /** The streak and idle signals of one unpassed exercise, newest results first. */
  private signals(exerciseId: string, recent: ResultRow[], openSince: number | undefined): HelpSignal[] {
    const out: HelpSignal[] = [];
    let streak = 0;
    while (streak < recent.length && recent[streak]!.status !== "pass") streak++;
    if (streak >= this.thresholds.failedInRow) out.push({ kind: "failed_in_row", count: streak, exerciseId });
    // The same hidden test failing across the streak: the learner is stuck on one thing.
    const fails = new Map<string, number>();
    for (const r of recent.slice(0, streak)) {
      let tests: { name?: unknown; status?: unknown }[] = [];
      try {
        tests = (JSON.parse(r.body) as { tests?: typeof tests }).tests ?? [];
      } catch {
        continue;
      }
      for (const t of tests)
        if (t.status !== "pass" && typeof t.name === "string") fails.set(t.name, (fails.get(t.name) ?? 0) + 1);
    }
    const worst = [...fails].sort((a, b) => b[1] - a[1])[0];
    if (worst && worst[1] >= this.thresholds.sameTest)
      out.push({ kind: "same_test_failing", test: worst[0], count: worst[1], exerciseId });
    if (openSince !== undefined) {
      const minutes = Math.floor((Date.now() - openSince) / 60_000);
      if (minutes >= this.thresholds.idleMinutes) out.push({ kind: "idle", minutes, exerciseId });
    }
    return out;
  }

  /** A member's row changed (graded, submitted, hand raised): the room hears it. */
  refresh(userId: number, exerciseId?: string): void {
    for (const c of this.db.all<{ cohort_id: number }>(
      `SELECT m.cohort_id FROM cohort_members m ${exerciseId ? "JOIN cohort_track t ON t.cohort_id = m.cohort_id AND t.exercise_id = ?" : ""} WHERE m.user_id = ?`,
      exerciseId ? [exerciseId, userId] : [userId],
    )) {
      const row = this.rows(c.cohort_id, userId)[0];
      if (row) this.cohorts.emit(c.cohort_id, "room", { type: "row", row });
    }
  }
}
