import { EventEmitter } from "node:events";
import type { User } from "../accounts/schema.ts";
import type { AccessRule } from "../access/policy.ts";
import type { CohortDetail, CohortEvent, CohortSummary, TrackItem } from "../contract/cohorts.ts";
import type { Database } from "../db/database.ts";
import { notFound, Problem } from "../errors.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import { cohortAccessRule } from "./access.ts";
import type { Notify } from "../webhooks/service.ts";
import { createInvites, joinOnce, shortCode } from "./joins.ts";
import { hasEnded, isUnlocked, now, type CohortRow, type TrackRow } from "./rows.ts";
import type { CreateBody, PatchBody } from "./schema.ts";

/**
 * Cohorts: who runs them (owner + co-instructors), who is in them, the track and its pacing,
 * and how people join (joins.ts). The pacing decision (access.ts) is registered on the access
 * policy (`accessRule`), so every way into an exercise honours it.
 */

/** Who hears an event: the instructors' room, every member, or one member. */
export type Audience = "room" | "members" | "all" | { userId: number };
export type Emitted = { to: Audience; event: CohortEvent };

export { shortCode };

export class Cohorts {
  /** `cohort:<id>` → Emitted. */
  readonly events = new EventEmitter().setMaxListeners(0);
  private timer: NodeJS.Timeout | undefined;
  /** Pacing, hints and the solution for members (access.ts). */
  readonly accessRule: AccessRule;

  constructor(
    private db: Database,
    private catalog: Catalog,
  ) {
    this.accessRule = cohortAccessRule(db);
  }

  emit(cohortId: number, to: Audience, event: CohortEvent): void {
    this.events.emit(`cohort:${cohortId}`, { to, event } satisfies Emitted);
  }

  row(id: number): CohortRow {
    const c = this.db.get<CohortRow>("SELECT * FROM cohorts WHERE id = ?", [id]);
    if (!c) throw notFound("The cohort");
    return c;
  }

  /** The users who run the cohort (owner first), or undefined when there is no such cohort. */
  instructorIds(id: number): number[] | undefined {
    const c = this.db.get<{ owner_id: number }>("SELECT owner_id FROM cohorts WHERE id = ?", [id]);
    if (!c) return undefined;
    return [
      c.owner_id,
      ...this.db
        .all<{ user_id: number }>("SELECT user_id FROM cohort_instructors WHERE cohort_id = ?", [id])
        .map((r) => r.user_id),
    ];
  }

  memberIds(id: number): number[] | undefined {
    if (!this.db.get("SELECT 1 FROM cohorts WHERE id = ?", [id])) return undefined;
    return this.db
      .all<{ user_id: number }>("SELECT user_id FROM cohort_members WHERE cohort_id = ?", [id])
      .map((r) => r.user_id);
  }

  isMember(id: number, userId: number): boolean {
    return !!this.db.get("SELECT 1 FROM cohort_members WHERE cohort_id = ? AND user_id = ?", [id, userId]);
  }

  /** Instructors see the cohorts they run; admins every cohort. */
  list(user: User): CohortSummary[] {
    const rows =
      user.role === "admin"
        ? this.db.all<CohortRow>("SELECT * FROM cohorts ORDER BY created_at DESC, id DESC")
        : this.db.all<CohortRow>(
            "SELECT * FROM cohorts WHERE owner_id = ? OR id IN (SELECT cohort_id FROM cohort_instructors WHERE user_id = ?) ORDER BY created_at DESC, id DESC",
            [user.id, user.id],
          );
    return rows.map((r) => this.summary(r));
  }

  /** The cohorts the user is a member of. */
  memberships(userId: number): CohortSummary[] {
    return this.db
      .all<CohortRow>(
        "SELECT c.* FROM cohorts c JOIN cohort_members m ON m.cohort_id = c.id WHERE m.user_id = ? ORDER BY m.joined_at DESC",
        [userId],
      )
      .map((r) => this.summary(r));
  }

  summary(c: CohortRow): CohortSummary {
    const members = this.db.get<{ n: number }>("SELECT count(*) AS n FROM cohort_members WHERE cohort_id = ?", [
      c.id,
    ])!.n;
    return {
      id: c.id,
      name: c.name,
      description: c.description,
      startsAt: c.starts_at,
      endsAt: c.ends_at,
      seats: c.seats,
      members,
      ended: hasEnded(c),
    };
  }

  detail(id: number): CohortDetail {
    const c = this.row(id);
    const coInstructors = this.db.all<{ id: number; display_name: string; email: string }>(
      "SELECT u.id, u.display_name, u.email FROM cohort_instructors ci JOIN users u ON u.id = ci.user_id WHERE ci.cohort_id = ? ORDER BY u.email",
      [id],
    );
    const invites = this.db.all<{ id: number; email: string; expires_at: string; used_at: string | null }>(
      "SELECT id, email, expires_at, used_at FROM cohort_invites WHERE cohort_id = ? ORDER BY id",
      [id],
    );
    return {
      ...this.summary(c),
      ownerId: c.owner_id,
      hints: c.hints === 1,
      solution: c.solution,
      leaderboard: c.leaderboard,
      joinCode: c.join_code,
      joinCodeExpiresAt: c.join_code_expires_at,
      coInstructors: coInstructors.map((u) => ({ id: u.id, displayName: u.display_name, email: u.email })),
      invites: invites.map((i) => ({ id: i.id, email: i.email, expiresAt: i.expires_at, usedAt: i.used_at })),
      track: this.track(id),
    };
  }

  track(id: number): TrackItem[] {
    const at = Date.now();
    return this.db.all<TrackRow>("SELECT * FROM cohort_track WHERE cohort_id = ? ORDER BY position", [id]).map((t) => {
      const e = this.catalog.exercises.get(t.exercise_id);
      const unlocked = isUnlocked(t, at);
      return {
        exerciseId: t.exercise_id,
        title: e?.title ?? t.exercise_id,
        inCatalog: !!e,
        unlocked,
        unlockedAt: t.unlocked_at ?? (unlocked ? t.unlock_at : null),
        unlockAt: unlocked ? null : t.unlock_at,
      };
    });
  }

  /** A track names exercises of the catalog as it is now; anything else is refused by name. */
  private checkTrack(track: string[]): void {
    const missing = track.filter((id) => !this.catalog.exercises.has(id));
    if (missing.length)
      throw new Problem(
        422,
        "unknown-exercise",
        "Unknown exercise",
        `The track names exercises that are not in the catalog: ${missing.join(", ")}.`,
        { exercises: missing },
      );
  }

  private instructorsByEmail(emails: string[], ownerId: number): number[] {
    const ids: number[] = [];
    for (const email of emails) {
      const u = this.db.get<{ id: number; role: string; disabled_at: string | null }>(
        "SELECT id, role, disabled_at FROM users WHERE email = ?",
        [email],
      );
      if (!u || u.disabled_at || (u.role !== "instructor" && u.role !== "admin")) {
        throw new Problem(
          422,
          "not-an-instructor",
          "Not an instructor",
          `${email} is not an instructor or admin of this lab.`,
        );
      }
      if (u.id !== ownerId && !ids.includes(u.id)) ids.push(u.id);
    }
    return ids;
  }

  create(owner: User, body: CreateBody): CohortDetail {
    this.checkTrack(body.track);
    return this.db.transaction(() => {
      const co = this.instructorsByEmail(body.coInstructors, owner.id);
      const info = this.db.run(
        `INSERT INTO cohorts (owner_id, name, description, starts_at, ends_at, seats, hints, solution, leaderboard, join_code, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          owner.id,
          body.name,
          body.description,
          body.startsAt,
          body.endsAt,
          body.seats,
          body.hints ? 1 : 0,
          body.solution,
          body.leaderboard,
          body.joinLink ? shortCode() : null,
          now(),
        ],
      );
      const id = Number(info.lastInsertRowid);
      for (const u of co) this.db.run("INSERT INTO cohort_instructors (cohort_id, user_id) VALUES (?, ?)", [id, u]);
      body.track.forEach((e, i) =>
        this.db.run("INSERT INTO cohort_track (cohort_id, position, exercise_id) VALUES (?, ?, ?)", [id, i, e]),
      );
      return this.detail(id);
    });
  }

  update(id: number, patch: PatchBody): CohortDetail {
    const c = this.row(id);
    if (patch.track) this.checkTrack(patch.track);
    const startsAt = patch.startsAt !== undefined ? patch.startsAt : c.starts_at;
    const endsAt = patch.endsAt !== undefined ? patch.endsAt : c.ends_at;
    if (startsAt && endsAt && Date.parse(endsAt) <= Date.parse(startsAt))
      throw new Problem(400, "validation", "Invalid request", "endsAt must be after startsAt.");
    const detail = this.db.transaction(() => {
      const set = (col: string, v: unknown) => this.db.run(`UPDATE cohorts SET ${col} = ? WHERE id = ?`, [v, id]);
      if (patch.name !== undefined) set("name", patch.name);
      if (patch.description !== undefined) set("description", patch.description);
      if (patch.startsAt !== undefined) set("starts_at", patch.startsAt);
      if (patch.endsAt !== undefined) set("ends_at", patch.endsAt);
      if (patch.seats !== undefined) set("seats", patch.seats);
      if (patch.hints !== undefined) set("hints", patch.hints ? 1 : 0);
      if (patch.solution !== undefined) set("solution", patch.solution);
      if (patch.leaderboard !== undefined) set("leaderboard", patch.leaderboard);
      if (patch.joinCode === "new") set("join_code", shortCode());
      if (patch.joinCode === "off") set("join_code", null);
      if (patch.joinCodeExpiresAt !== undefined) set("join_code_expires_at", patch.joinCodeExpiresAt);
      if (patch.coInstructors) {
        const co = this.instructorsByEmail(patch.coInstructors, c.owner_id);
        this.db.run("DELETE FROM cohort_instructors WHERE cohort_id = ?", [id]);
        for (const u of co) this.db.run("INSERT INTO cohort_instructors (cohort_id, user_id) VALUES (?, ?)", [id, u]);
      }
      if (patch.track) {
        // Pacing survives a reorder: an exercise kept in the track keeps its lock state.
        const old = new Map(
          this.db.all<TrackRow>("SELECT * FROM cohort_track WHERE cohort_id = ?", [id]).map((t) => [t.exercise_id, t]),
        );
        this.db.run("DELETE FROM cohort_track WHERE cohort_id = ?", [id]);
        patch.track.forEach((e, i) => {
          const was = old.get(e);
          this.db.run(
            "INSERT INTO cohort_track (cohort_id, position, exercise_id, unlocked_at, unlock_at) VALUES (?, ?, ?, ?, ?)",
            [id, i, e, was?.unlocked_at ?? null, was?.unlock_at ?? null],
          );
        });
      }
      return this.detail(id);
    });
    if (patch.track) this.emit(id, "all", { type: "track", track: detail.track });
    return detail;
  }

  /** Unlock, lock or schedule exercises of the track; members hear it at once. */
  pace(id: number, exercises: "all" | string[], action: "unlock" | "lock" | "schedule", at?: string): TrackItem[] {
    this.row(id);
    const inTrack = new Set(
      this.db
        .all<{ exercise_id: string }>("SELECT exercise_id FROM cohort_track WHERE cohort_id = ?", [id])
        .map((r) => r.exercise_id),
    );
    const ids = exercises === "all" ? [...inTrack] : exercises;
    const outside = ids.filter((e) => !inTrack.has(e));
    if (outside.length)
      throw new Problem(422, "not-in-track", "Not in the track", `Not in this cohort's track: ${outside.join(", ")}.`);
    this.db.transaction(() => {
      for (const e of ids) {
        if (action === "unlock")
          this.db.run(
            "UPDATE cohort_track SET unlocked_at = coalesce(unlocked_at, ?), unlock_at = NULL WHERE cohort_id = ? AND exercise_id = ?",
            [now(), id, e],
          );
        else if (action === "lock")
          this.db.run(
            "UPDATE cohort_track SET unlocked_at = NULL, unlock_at = NULL WHERE cohort_id = ? AND exercise_id = ?",
            [id, e],
          );
        else
          this.db.run(
            "UPDATE cohort_track SET unlocked_at = NULL, unlock_at = ? WHERE cohort_id = ? AND exercise_id = ?",
            [at, id, e],
          );
      }
    });
    const track = this.track(id);
    this.emit(id, "all", { type: "track", track });
    if (action === "schedule") this.schedule();
    return track;
  }

  /** Scheduled unlocks come due by the clock; this makes them permanent and tells members. */
  releaseDue(at = Date.now()): number[] {
    const due = this.db.all<{ cohort_id: number; exercise_id: string; unlock_at: string }>(
      "SELECT cohort_id, exercise_id, unlock_at FROM cohort_track WHERE unlocked_at IS NULL AND unlock_at IS NOT NULL",
    );
    const cohorts = new Set<number>();
    for (const d of due.filter((d) => Date.parse(d.unlock_at) <= at)) {
      this.db.run(
        "UPDATE cohort_track SET unlocked_at = unlock_at, unlock_at = NULL WHERE cohort_id = ? AND exercise_id = ?",
        [d.cohort_id, d.exercise_id],
      );
      cohorts.add(d.cohort_id);
    }
    for (const c of cohorts) this.emit(c, "all", { type: "track", track: this.track(c) });
    return [...cohorts];
  }

  /** Wakes at the next scheduled unlock (at most a minute ahead, so clock changes are caught). */
  schedule(): void {
    clearTimeout(this.timer);
    this.releaseDue();
    const next = this.db.get<{ at: string | null }>(
      "SELECT min(unlock_at) AS at FROM cohort_track WHERE unlocked_at IS NULL AND unlock_at IS NOT NULL",
    )?.at;
    if (!next) return;
    const wait = Math.max(50, Math.min(60_000, Date.parse(next) - Date.now() + 20));
    this.timer = setTimeout(() => this.schedule(), wait);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** One-time invite links for named people; the tokens are shown only now. */
  invite(id: number, emails: string[], days: number): { email: string; token: string }[] {
    this.row(id);
    return createInvites(this.db, id, emails, days);
  }

  /** Called after someone joined (the room shows the new row). */
  onJoin: (cohortId: number, userId: number) => void = () => {};
  /** Webhook events (set by the composition root). */
  notify: Notify = () => {};

  /** Joins by the link's short code or a one-time invite. Joining again is a no-op. */
  join(user: User, code: string): CohortSummary {
    const joined = joinOnce(this.db, this, user, code, (cohortId) =>
      this.notify("cohort.member.joined", { cohort_id: cohortId, user_id: user.id }),
    );
    this.onJoin(joined.id, user.id);
    return joined;
  }
}
