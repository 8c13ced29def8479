import type { User } from "../accounts/schema.ts";
import type { Database } from "../db/database.ts";
import { badRequest, notFound } from "../errors.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import type { AssessmentInput, Visibility } from "./schema.ts";

export type Criterion = { name: string; description: string };

export type Assessment = {
  id: number;
  title: string;
  exercises: { id: string; runtime: string; title: string }[];
  durationMinutes: number;
  opensAt: string;
  closesAt: string;
  slackMinutes: number;
  visibility: Visibility;
  feedbackSubmissions: number;
  hintsAllowed: boolean;
  rubric: Criterion[];
  reviewers: { id: number; displayName: string }[];
  createdBy: number | null;
  createdAt: string;
};

export type AssessmentRow = {
  id: number;
  title: string;
  exercises: string;
  duration_minutes: number;
  opens_at: string;
  closes_at: string;
  slack_minutes: number;
  visibility: Visibility;
  feedback_submissions: number;
  hints_allowed: number;
  rubric: string;
  created_by: number | null;
  created_at: string;
};

const iso = (s: string) => new Date(s).toISOString();

/**
 * Assessments as reviewers define them, and who may review each. An instructor sees the
 * assessments they created or review; an admin sees all of them.
 */
export class Assessments {
  constructor(
    private db: Database,
    private catalog: Catalog,
  ) {}

  create(input: AssessmentInput, actor: User): Assessment {
    const exercises = this.checkExercises(input.exercises);
    return this.db.transaction(() => {
      const row = this.db.get<{ id: number }>(
        `INSERT INTO assessments (title, exercises, duration_minutes, opens_at, closes_at, slack_minutes, visibility, feedback_submissions, hints_allowed, rubric, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          input.title,
          JSON.stringify(exercises),
          input.durationMinutes,
          iso(input.opensAt),
          iso(input.closesAt),
          input.slackMinutes,
          input.visibility,
          input.feedbackSubmissions,
          input.hintsAllowed ? 1 : 0,
          JSON.stringify(input.rubric),
          actor.id,
          new Date().toISOString(),
        ],
      )!;
      this.setReviewers(row.id, [actor.id, ...input.reviewers]);
      this.audit(row.id, null, actor.id, "assessment-created", input.title);
      return this.get(row.id);
    });
  }

  update(id: number, patch: Partial<AssessmentInput>, actor: User): Assessment {
    return this.db.transaction(() => {
      const cur = this.get(id);
      const opensAt = patch.opensAt ? iso(patch.opensAt) : cur.opensAt;
      const closesAt = patch.closesAt ? iso(patch.closesAt) : cur.closesAt;
      if (Date.parse(closesAt) <= Date.parse(opensAt))
        throw badRequest("closesAt must be after opensAt.", {
          errors: [{ path: "body.closesAt", message: "must be after opensAt" }],
        });
      const exercises = patch.exercises
        ? this.checkExercises(patch.exercises)
        : cur.exercises.map(({ id, runtime }) => ({ id, runtime }));
      this.db.run(
        `UPDATE assessments SET title = ?, exercises = ?, duration_minutes = ?, opens_at = ?, closes_at = ?, slack_minutes = ?, visibility = ?, feedback_submissions = ?, hints_allowed = ?, rubric = ? WHERE id = ?`,
        [
          patch.title ?? cur.title,
          JSON.stringify(exercises),
          patch.durationMinutes ?? cur.durationMinutes,
          opensAt,
          closesAt,
          patch.slackMinutes ?? cur.slackMinutes,
          patch.visibility ?? cur.visibility,
          patch.feedbackSubmissions ?? cur.feedbackSubmissions,
          (patch.hintsAllowed ?? cur.hintsAllowed) ? 1 : 0,
          JSON.stringify(patch.rubric ?? cur.rubric),
          id,
        ],
      );
      if (patch.reviewers) this.setReviewers(id, [...(cur.createdBy ? [cur.createdBy] : []), ...patch.reviewers]);
      this.audit(id, null, actor.id, "assessment-changed", Object.keys(patch).join(", "));
      return this.get(id);
    });
  }

  row(id: number): AssessmentRow | undefined {
    return this.db.get<AssessmentRow>("SELECT * FROM assessments WHERE id = ?", [id]);
  }

  get(id: number): Assessment {
    const r = this.row(id);
    if (!r) throw notFound("The assessment");
    return this.toAssessment(r);
  }

  /** The assessments the user may review, newest first. */
  listFor(user: User): Assessment[] {
    const rows =
      user.role === "admin"
        ? this.db.all<AssessmentRow>("SELECT * FROM assessments ORDER BY id DESC")
        : this.db.all<AssessmentRow>(
            "SELECT a.* FROM assessments a JOIN assessment_reviewers r ON r.assessment_id = a.id WHERE r.user_id = ? ORDER BY a.id DESC",
            [user.id],
          );
    return rows.map((r) => this.toAssessment(r));
  }

  /** For the route table's owner rule: the assessment's reviewers, undefined when it does not exist (admins pass as staff). */
  reviewerIds(assessmentId: number): number[] | undefined {
    if (!this.db.get("SELECT 1 FROM assessments WHERE id = ?", [assessmentId])) return undefined;
    return this.db
      .all<{ user_id: number }>("SELECT user_id FROM assessment_reviewers WHERE assessment_id = ?", [assessmentId])
      .map((r) => r.user_id);
  }

  audit(
    assessmentId: number,
    candidateId: number | null,
    actorId: number | null,
    action: string,
    detail?: string,
  ): void {
    this.db.run(
      "INSERT INTO assessment_audit (assessment_id, candidate_id, actor_id, action, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
      [assessmentId, candidateId, actorId, action, detail?.slice(0, 500) ?? null, new Date().toISOString()],
    );
  }

  auditLog(
    assessmentId: number,
  ): { at: string; actor: string | null; action: string; candidateId: number | null; detail: string | null }[] {
    return this.db
      .all<{ at: string; actor: string | null; action: string; candidate_id: number | null; detail: string | null }>(
        "SELECT l.at, u.display_name AS actor, l.action, l.candidate_id, l.detail FROM assessment_audit l LEFT JOIN users u ON u.id = l.actor_id WHERE l.assessment_id = ? ORDER BY l.id",
        [assessmentId],
      )
      .map((r) => ({ at: r.at, actor: r.actor, action: r.action, candidateId: r.candidate_id, detail: r.detail }));
  }

  private setReviewers(id: number, userIds: number[]): void {
    const ids = [...new Set(userIds)];
    const staff = this.db
      .all<{ id: number }>(
        `SELECT id FROM users WHERE role IN ('admin', 'instructor') AND disabled_at IS NULL AND id IN (${ids.map(() => "?").join(", ")})`,
        ids,
      )
      .map((r) => r.id);
    const wrong = ids.filter((u) => !staff.includes(u));
    if (wrong.length)
      throw badRequest(`Reviewers must be active instructors or admins; not: ${wrong.join(", ")}.`, {
        errors: [{ path: "body.reviewers", message: `not a reviewer: ${wrong.join(", ")}` }],
      });
    this.db.run("DELETE FROM assessment_reviewers WHERE assessment_id = ?", [id]);
    for (const u of staff)
      this.db.run("INSERT INTO assessment_reviewers (assessment_id, user_id) VALUES (?, ?)", [id, u]);
  }

  private checkExercises(list: { id: string; runtime?: string }[]): { id: string; runtime: string }[] {
    return list.map((x, i) => {
      const e = this.catalog.exercises.get(x.id);
      if (!e)
        throw badRequest(`The exercise "${x.id}" is not in the catalog.`, {
          errors: [{ path: `body.exercises.${i}.id`, message: "not in the catalog" }],
        });
      if (x.runtime && x.runtime !== e.runtime)
        throw badRequest(`The exercise "${x.id}" offers the runtime ${e.runtime}, not ${x.runtime}.`, {
          errors: [{ path: `body.exercises.${i}.runtime`, message: `offers ${e.runtime}` }],
        });
      return { id: e.id, runtime: e.runtime };
    });
  }

  toAssessment(r: AssessmentRow): Assessment {
    const exercises = (JSON.parse(r.exercises) as { id: string; runtime: string }[]).map((x) => ({
      ...x,
      title: this.catalog.exercises.get(x.id)?.title ?? x.id,
    }));
    const reviewers = this.db.all<{ id: number; display_name: string }>(
      "SELECT u.id, u.display_name FROM assessment_reviewers r JOIN users u ON u.id = r.user_id WHERE r.assessment_id = ? ORDER BY u.id",
      [r.id],
    );
    return {
      id: r.id,
      title: r.title,
      exercises,
      durationMinutes: r.duration_minutes,
      opensAt: r.opens_at,
      closesAt: r.closes_at,
      slackMinutes: r.slack_minutes,
      visibility: r.visibility,
      feedbackSubmissions: r.feedback_submissions,
      hintsAllowed: r.hints_allowed === 1,
      rubric: JSON.parse(r.rubric) as Criterion[],
      reviewers: reviewers.map((u) => ({ id: u.id, displayName: u.display_name })),
      createdBy: r.created_by,
      createdAt: r.created_at,
    };
  }
}
