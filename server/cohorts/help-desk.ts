import { EventEmitter } from "node:events";
import type { User } from "../accounts/schema.ts";
import type { AuditEntry, AuditLog } from "../audit/service.ts";
import type { Notify } from "../webhooks/service.ts";
import type { Broadcast, Hand, LeaderboardRow, MemberView, Takeover } from "../contract/cohorts.ts";
import type { Database } from "../db/database.ts";
import { conflict, notFound, Problem } from "../errors.ts";
import type { Cohorts } from "./service.ts";

/**
 * The help a live cohort gets: raised hands (acknowledged, then resolved), broadcasts,
 * take-overs of a learner's terminal (only with the learner's consent, every step audited),
 * and what a member's page shows of all that.
 */

type HandRow = {
  id: number;
  user_id: number;
  display_name: string;
  exercise_id: string | null;
  message: string;
  raised_at: string;
  acknowledged_at: string | null;
  resolved_at: string | null;
};
type TakeoverRow = {
  id: number;
  cohort_id: number;
  workspace_id: number;
  exercise_id: string;
  instructor_id: number;
  instructor: string;
  learner_id: number;
  requested_at: string;
  accepted: number | null;
  ended_at: string | null;
};

const now = () => new Date().toISOString();

export class HelpDesk {
  /** `ended` → take-over id: the terminal gateway drops the instructor's writer socket. */
  readonly takeoverEvents = new EventEmitter().setMaxListeners(0);
  /** Called when a member's row in the room may have changed. */
  onMemberChange: (userId: number) => void = () => {};

  /** Webhook events (set by the composition root). */
  notify: Notify = () => {};

  constructor(
    private db: Database,
    private cohorts: Cohorts,
    private auditLog: AuditLog,
  ) {}

  /** Take-over steps go to the lab's audit log, the cohort as target, the learner in the details. */
  private audit(
    actorId: number,
    action: "request" | "accept" | "decline" | "attach" | "end",
    cohortId: number,
    learnerId: number,
    details: Record<string, unknown>,
  ): void {
    this.auditLog.record({
      actorId,
      action: `cohort.takeover.${action}`,
      target: { kind: "cohort", id: cohortId },
      details: { learner: learnerId, ...details },
    });
  }

  /** The cohort's audit entries, oldest first. */
  auditOf(cohortId: number): AuditEntry[] {
    return this.auditLog.list({ targetKind: "cohort", targetId: String(cohortId), limit: 500 }).reverse();
  }

  // --- raised hands -------------------------------------------------------------------

  /** Hands not yet resolved, oldest first (the instructor's queue). */
  hands(cohortId: number): Hand[] {
    return this.db
      .all<HandRow>(
        "SELECT h.*, u.display_name FROM cohort_hands h JOIN users u ON u.id = h.user_id WHERE h.cohort_id = ? AND h.resolved_at IS NULL ORDER BY h.id",
        [cohortId],
      )
      .map(toHand);
  }

  raise(cohortId: number, user: User, message: string, exerciseId: string | undefined): Hand {
    this.db.transaction(() => this.storeHand(cohortId, user, message, exerciseId));
    this.handsChanged(cohortId, user.id);
    return this.myHand(cohortId, user.id)!;
  }

  private storeHand(cohortId: number, user: User, message: string, exerciseId: string | undefined): void {
    const open = this.db.get<{ id: number }>(
      "SELECT id FROM cohort_hands WHERE cohort_id = ? AND user_id = ? AND resolved_at IS NULL",
      [cohortId, user.id],
    );
    // A hand raised again updates its message; it keeps its place in the queue.
    if (open)
      this.db.run("UPDATE cohort_hands SET message = ?, exercise_id = coalesce(?, exercise_id) WHERE id = ?", [
        message,
        exerciseId ?? null,
        open.id,
      ]);
    else {
      const info = this.db.run(
        "INSERT INTO cohort_hands (cohort_id, user_id, exercise_id, message, raised_at) VALUES (?, ?, ?, ?, ?)",
        [cohortId, user.id, exerciseId ?? null, message, now()],
      );
      this.notify("cohort.help.requested", {
        cohort_id: cohortId,
        user_id: user.id,
        hand_id: Number(info.lastInsertRowid),
        exercise_id: exerciseId ?? null,
        message,
      });
    }
  }

  lower(cohortId: number, userId: number): void {
    this.db.run(
      "UPDATE cohort_hands SET resolved_at = ?, resolved_by = ? WHERE cohort_id = ? AND user_id = ? AND resolved_at IS NULL",
      [now(), userId, cohortId, userId],
    );
    this.handsChanged(cohortId, userId);
  }

  act(cohortId: number, handId: number, actorId: number, action: "acknowledge" | "resolve"): Hand {
    const h = this.db.get<{ user_id: number; resolved_at: string | null }>(
      "SELECT user_id, resolved_at FROM cohort_hands WHERE id = ? AND cohort_id = ?",
      [handId, cohortId],
    );
    if (!h) throw notFound("The raised hand");
    if (h.resolved_at) throw conflict("This hand is already resolved.");
    if (action === "acknowledge")
      this.db.run(
        "UPDATE cohort_hands SET acknowledged_at = coalesce(acknowledged_at, ?), acknowledged_by = coalesce(acknowledged_by, ?) WHERE id = ?",
        [now(), actorId, handId],
      );
    else
      this.db.run(
        "UPDATE cohort_hands SET acknowledged_at = coalesce(acknowledged_at, ?), resolved_at = ?, resolved_by = ? WHERE id = ?",
        [now(), now(), actorId, handId],
      );
    this.handsChanged(cohortId, h.user_id);
    return toHand(
      this.db.get<HandRow>(
        "SELECT h.*, u.display_name FROM cohort_hands h JOIN users u ON u.id = h.user_id WHERE h.id = ?",
        [handId],
      )!,
    );
  }

  private myHand(cohortId: number, userId: number): Hand | null {
    const r = this.db.get<HandRow>(
      "SELECT h.*, u.display_name FROM cohort_hands h JOIN users u ON u.id = h.user_id WHERE h.cohort_id = ? AND h.user_id = ? AND h.resolved_at IS NULL",
      [cohortId, userId],
    );
    return r ? toHand(r) : null;
  }

  private handsChanged(cohortId: number, userId: number): void {
    this.cohorts.emit(cohortId, "room", { type: "hands", hands: this.hands(cohortId) });
    this.cohorts.emit(
      cohortId,
      { userId },
      { type: "hands", hands: [this.myHand(cohortId, userId)].filter((h): h is Hand => !!h) },
    );
    this.onMemberChange(userId);
  }

  // --- broadcasts ---------------------------------------------------------------------

  broadcast(cohortId: number, author: User, text: string): Broadcast {
    const info = this.db.run(
      "INSERT INTO cohort_broadcasts (cohort_id, author_id, body, created_at) VALUES (?, ?, ?, ?)",
      [cohortId, author.id, text, now()],
    );
    const b = this.broadcasts(cohortId).find((x) => x.id === Number(info.lastInsertRowid))!;
    this.cohorts.emit(cohortId, "all", { type: "broadcast", broadcast: b });
    return b;
  }

  broadcasts(cohortId: number, limit = 20): Broadcast[] {
    return this.db
      .all<{ id: number; body: string; created_at: string; author: string | null }>(
        "SELECT b.id, b.body, b.created_at, u.display_name AS author FROM cohort_broadcasts b LEFT JOIN users u ON u.id = b.author_id WHERE b.cohort_id = ? ORDER BY b.id DESC LIMIT ?",
        [cohortId, limit],
      )
      .map((b) => ({ id: b.id, text: b.body, createdAt: b.created_at, author: b.author ?? "instructor" }));
  }

  // --- take-overs ---------------------------------------------------------------------

  private takeoverRow(id: number): TakeoverRow | undefined {
    return this.db.get<TakeoverRow>(
      "SELECT t.*, w.exercise_id, u.display_name AS instructor FROM cohort_takeovers t JOIN workspaces w ON w.id = t.workspace_id JOIN users u ON u.id = t.instructor_id WHERE t.id = ?",
      [id],
    );
  }

  /** The instructor asks to type into a learner's terminal; nothing changes until the learner accepts. */
  requestTakeover(cohortId: number, instructor: User, learnerId: number, exerciseId: string): Takeover {
    if (!this.cohorts.isMember(cohortId, learnerId)) throw notFound("The member");
    const ws = this.db.get<{ id: number }>("SELECT id FROM workspaces WHERE user_id = ? AND exercise_id = ?", [
      learnerId,
      exerciseId,
    ]);
    if (!ws) throw new Problem(409, "no-workspace", "No workspace", "This learner has not opened that exercise yet.");
    const pending = this.db.get<{ id: number }>(
      "SELECT id FROM cohort_takeovers WHERE workspace_id = ? AND ended_at IS NULL AND (accepted IS NULL OR accepted = 1)",
      [ws.id],
    );
    if (pending) throw conflict("A take-over of this terminal is already requested or active.");
    const info = this.db.run(
      "INSERT INTO cohort_takeovers (cohort_id, workspace_id, instructor_id, learner_id, requested_at) VALUES (?, ?, ?, ?, ?)",
      [cohortId, ws.id, instructor.id, learnerId, now()],
    );
    const id = Number(info.lastInsertRowid);
    this.audit(instructor.id, "request", cohortId, learnerId, { takeover: id, workspace: ws.id, exercise: exerciseId });
    return this.takeoverChanged(id);
  }

  /** The learner's answer (accept / decline) or either side ending it. */
  answerTakeover(cohortId: number, takeoverId: number, learner: User, action: "accept" | "decline" | "end"): Takeover {
    const t = this.takeoverRow(takeoverId);
    if (!t || t.cohort_id !== cohortId || t.learner_id !== learner.id) throw notFound("The take-over");
    if (t.ended_at) throw conflict("This take-over has ended.");
    if (action === "end") return this.endTakeover(cohortId, takeoverId, learner.id);
    if (t.accepted !== null) throw conflict(`This take-over was already ${t.accepted ? "accepted" : "declined"}.`);
    if (action === "accept")
      this.db.run("UPDATE cohort_takeovers SET accepted = 1, answered_at = ? WHERE id = ?", [now(), takeoverId]);
    else
      this.db.run(
        "UPDATE cohort_takeovers SET accepted = 0, answered_at = ?, ended_at = ?, ended_by = ? WHERE id = ?",
        [now(), now(), learner.id, takeoverId],
      );
    this.audit(learner.id, action, cohortId, learner.id, { takeover: takeoverId });
    return this.takeoverChanged(takeoverId);
  }

  endTakeover(cohortId: number, takeoverId: number, actorId: number): Takeover {
    const t = this.takeoverRow(takeoverId);
    if (!t || t.cohort_id !== cohortId) throw notFound("The take-over");
    if (t.ended_at) throw conflict("This take-over has ended.");
    this.db.run("UPDATE cohort_takeovers SET ended_at = ?, ended_by = ? WHERE id = ?", [now(), actorId, takeoverId]);
    this.audit(actorId, "end", cohortId, t.learner_id, { takeover: takeoverId });
    this.takeoverEvents.emit("ended", takeoverId);
    return this.takeoverChanged(takeoverId);
  }

  /** The accepted, unended take-over that lets this instructor write to this workspace's terminal. */
  activeTakeover(instructorId: number, workspaceId: number): number | undefined {
    return this.db.get<{ id: number }>(
      "SELECT id FROM cohort_takeovers WHERE instructor_id = ? AND workspace_id = ? AND accepted = 1 AND ended_at IS NULL",
      [instructorId, workspaceId],
    )?.id;
  }

  /** The gateway reports the instructor's writer socket attached (audit: typing began). */
  takeoverAttached(takeoverId: number): void {
    const t = this.takeoverRow(takeoverId);
    if (t) this.audit(t.instructor_id, "attach", t.cohort_id, t.learner_id, { takeover: takeoverId });
  }

  takeovers(cohortId: number, learnerId?: number): Takeover[] {
    return this.db
      .all<{ id: number }>(
        `SELECT id FROM cohort_takeovers WHERE cohort_id = ? ${learnerId ? "AND learner_id = ?" : ""} AND (ended_at IS NULL OR ended_at > ?) ORDER BY id`,
        [cohortId, ...(learnerId ? [learnerId] : []), new Date(Date.now() - 60_000).toISOString()],
      )
      .map((r) => toTakeover(this.takeoverRow(r.id)!));
  }

  private takeoverChanged(id: number): Takeover {
    const t = toTakeover(this.takeoverRow(id)!);
    const row = this.takeoverRow(id)!;
    this.cohorts.emit(row.cohort_id, "room", { type: "takeover", takeover: t });
    this.cohorts.emit(row.cohort_id, { userId: row.learner_id }, { type: "takeover", takeover: t });
    return t;
  }

  // --- the member's page --------------------------------------------------------------

  memberView(cohortId: number, userId: number): MemberView {
    const c = this.cohorts.row(cohortId);
    const me = this.db.get<{ pseudonym: string }>(
      "SELECT pseudonym FROM cohort_members WHERE cohort_id = ? AND user_id = ?",
      [cohortId, userId],
    );
    if (!me) throw notFound("The cohort");
    return {
      cohort: { ...this.cohorts.summary(c), hints: c.hints === 1, solution: c.solution, leaderboard: c.leaderboard },
      track: this.cohorts.track(cohortId),
      broadcasts: this.broadcasts(cohortId),
      myHand: this.myHand(cohortId, userId),
      takeovers: this.takeovers(cohortId, userId),
      pseudonym: me.pseudonym,
    };
  }

  /** Members ranked by exercises passed, then points; only when the cohort opted in (404 otherwise). */
  leaderboard(cohortId: number, userId: number): LeaderboardRow[] {
    const c = this.cohorts.row(cohortId);
    if (c.leaderboard === "off") throw notFound("The leaderboard");
    const rows = this.db.all<{
      user_id: number;
      display_name: string;
      pseudonym: string;
      passed: number;
      points: number;
    }>(
      `SELECT m.user_id, u.display_name, m.pseudonym,
              count(DISTINCT CASE WHEN b.passed = 1 THEN b.exercise_id END) AS passed, coalesce(sum(b.best), 0) AS points
         FROM cohort_members m JOIN users u ON u.id = m.user_id
         LEFT JOIN (SELECT s.user_id, s.exercise_id, max(r.status = 'pass') AS passed, max(r.score) AS best
                      FROM submissions s JOIN results r ON r.submission_id = s.id AND r.status <> 'error'
                      JOIN cohort_track t ON t.cohort_id = ? AND t.exercise_id = s.exercise_id
                     GROUP BY s.user_id, s.exercise_id) b ON b.user_id = m.user_id
        WHERE m.cohort_id = ?
        GROUP BY m.user_id
        ORDER BY passed DESC, points DESC, m.joined_at`,
      [cohortId, cohortId],
    );
    return rows.map((r, i) => ({
      rank: i + 1,
      name: c.leaderboard === "names" ? r.display_name : r.pseudonym,
      you: r.user_id === userId,
      passed: r.passed,
      points: r.points,
    }));
  }
}

function toHand(r: HandRow): Hand {
  return {
    id: r.id,
    userId: r.user_id,
    displayName: r.display_name,
    exerciseId: r.exercise_id,
    message: r.message,
    raisedAt: r.raised_at,
    acknowledgedAt: r.acknowledged_at,
    resolvedAt: r.resolved_at,
  };
}

function toTakeover(r: TakeoverRow): Takeover {
  const state = r.accepted === 0 ? "declined" : r.ended_at ? "ended" : r.accepted === 1 ? "active" : "requested";
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    exerciseId: r.exercise_id,
    learnerId: r.learner_id,
    instructor: r.instructor,
    requestedAt: r.requested_at,
    state,
  };
}
