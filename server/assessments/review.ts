import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import type { Results } from "../../graders/results.ts";
import type { User } from "../accounts/schema.ts";
import type { Database } from "../db/database.ts";
import { badRequest, conflict } from "../errors.ts";
import type { CandidateRow } from "./candidates.ts";
import type { Hiring } from "./hiring.ts";
import { statusOf } from "./invite-routes.ts";

/** A paste at least this long is worth a reviewer's look. */
export const LARGE_PASTE_CHARS = 200;
const MAX_DIFF_FILE = 256 * 1024;

export type CategoryScores = Record<string, { score: number; max: number }>;

export type BoardRow = {
  id: number;
  pseudonym: string;
  /** Hidden (null) until a decision is recorded: blind review. */
  name: string | null;
  status: ReturnType<typeof statusOf>;
  startedAt: string | null;
  timeUsedMs: number | null;
  score: number | null;
  maxScore: number | null;
  categories: CategoryScores;
  flags: string[];
  rubricAverage: number | null;
  decision: string | null;
};

type FinalRow = {
  exercise_id: string;
  submission_id: number;
  snapshot_hash: string;
  status: string;
  body: string | null;
  signature: string | null;
};

export function categoryScores(results: Results[]): CategoryScores {
  const out: CategoryScores = {};
  for (const r of results)
    for (const t of r.tests) {
      const c = (out[t.category] ??= { score: 0, max: 0 });
      c.score += t.points;
      c.max += t.max_points;
    }
  // Points are split evenly over a step's tests: sums of thirds are not exact.
  for (const c of Object.values(out)) {
    c.score = Math.round(c.score * 100) / 100;
    c.max = Math.round(c.max * 100) / 100;
  }
  return out;
}

/**
 * What reviewers see: the board (every candidate of an assessment), one candidate in full,
 * rubric scores and decisions. Names stay hidden until a decision; every name shown and
 * every change goes to the assessment's audit log.
 */
export class Review {
  constructor(
    private db: Database,
    private hiring: Hiring,
    private secret: Buffer,
    private recordingsDir: string,
  ) {}

  finals(candidateId: number): FinalRow[] {
    return this.db.all<FinalRow>(
      "SELECT f.exercise_id, f.submission_id, f.snapshot_hash, s.status, r.body, r.signature FROM assessment_finals f JOIN submissions s ON s.id = f.submission_id LEFT JOIN results r ON r.submission_id = f.submission_id WHERE f.candidate_id = ? ORDER BY f.exercise_id",
      [candidateId],
    );
  }

  board(assessmentId: number, actor: User, similarFlags: Map<number, number> = new Map()): BoardRow[] {
    const rows = this.hiring.candidates.list(assessmentId).map((c) => this.row(c, similarFlags.get(c.id)));
    this.auditNames(
      assessmentId,
      actor,
      rows.filter((r) => r.name !== null).map((r) => r.id),
      "board",
    );
    return rows;
  }

  private row(c: CandidateRow, similarity?: number): BoardRow {
    const finals = this.finals(c.id);
    const results = finals.flatMap((f) => (f.body ? [JSON.parse(f.body) as Results] : []));
    const graded = finals.length > 0 && results.length === finals.length;
    const rubric = this.db.get<{ avg: number | null }>(
      "SELECT avg(score) AS avg FROM rubric_scores WHERE candidate_id = ?",
      [c.id],
    )!.avg;
    const pastes = this.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM assessment_events WHERE candidate_id = ? AND kind = 'paste' AND json_extract(data, '$.chars') >= ?",
      [c.id, LARGE_PASTE_CHARS],
    )!.n;
    const blurs = this.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM assessment_events WHERE candidate_id = ? AND kind = 'blur'",
      [c.id],
    )!.n;
    const flags: string[] = [];
    if (similarity !== undefined) flags.push(`similar code (${Math.round(similarity * 100)}%)`);
    if (pastes) flags.push(`${pastes} large paste${pastes > 1 ? "s" : ""}`);
    if (blurs) flags.push(`left the page ${blurs}×`);
    const end = c.finished_at ? Date.parse(c.finished_at) : Date.now();
    return {
      id: c.id,
      pseudonym: c.pseudonym,
      name: c.decision ? (c.name ?? c.email) : null,
      status: statusOf(c),
      startedAt: c.started_at,
      timeUsedMs: c.started_at
        ? Math.max(0, Math.min(end, Date.parse(c.deadline_at!)) - Date.parse(c.started_at))
        : null,
      score: graded ? results.reduce((s, r) => s + r.score, 0) : null,
      maxScore: graded ? results.reduce((s, r) => s + r.max_score, 0) : null,
      categories: categoryScores(results),
      flags,
      rubricAverage: rubric === null ? null : Math.round(rubric * 100) / 100,
      decision: c.decision,
    };
  }

  /** One candidate in full: scores, every hidden test, the code against the starter, the timeline, rubric, decision, the signed record. */
  detail(assessmentId: number, candidateId: number, actor: User) {
    const c = this.hiring.candidates.of(assessmentId, candidateId);
    const a = this.hiring.assessments.get(assessmentId);
    const row = this.row(c);
    if (row.name !== null) this.auditNames(assessmentId, actor, [c.id], "candidate page");
    const finals = this.finals(c.id).map((f) => ({
      exerciseId: f.exercise_id,
      submissionId: f.submission_id,
      snapshotHash: f.snapshot_hash,
      status: f.status,
      result: f.body ? (JSON.parse(f.body) as Results) : null,
      files: this.diff(f.exercise_id, f.submission_id),
    }));
    const rubric = this.db.all<{
      reviewer: string;
      reviewer_id: number;
      criterion: number;
      score: number;
      note: string | null;
      at: string;
    }>(
      "SELECT u.display_name AS reviewer, r.reviewer_id, r.criterion, r.score, r.note, r.at FROM rubric_scores r JOIN users u ON u.id = r.reviewer_id WHERE r.candidate_id = ? ORDER BY r.reviewer_id, r.criterion",
      [c.id],
    );
    return {
      candidate: {
        ...row,
        email: c.decision ? c.email : null,
        deadline: c.deadline_at,
        finishedAt: c.finished_at,
        finishReason: c.finish_reason,
        extraMinutes: c.extra_minutes,
        timeFactor: c.time_factor,
        decisionComment: c.decision_comment,
        decidedAt: c.decided_at,
      },
      criteria: a.rubric,
      finals,
      timeline: this.timeline(c),
      recordings:
        c.user_id === null
          ? []
          : this.db
              .all<{ id: string; started_at: string; ended_at: string | null }>(
                "SELECT t.id, t.started_at, t.ended_at FROM terminal_sessions t JOIN workspaces w ON w.id = t.workspace_id WHERE w.user_id = ? ORDER BY t.started_at",
                [c.user_id],
              )
              .map((r) => ({ id: r.id, startedAt: r.started_at, endedAt: r.ended_at })),
      rubric: rubric.map((r) => ({
        reviewer: r.reviewer,
        reviewerId: r.reviewer_id,
        criterion: r.criterion,
        score: r.score,
        note: r.note,
        at: r.at,
      })),
      record: this.record(c),
    };
  }

  /** Events on the server's clock: the page's reports, terminal sessions, feedback and final submissions with scores. */
  timeline(
    c: CandidateRow,
  ): { at: string; kind: string; exerciseId: string | null; detail: Record<string, unknown> }[] {
    const out: { at: string; kind: string; exerciseId: string | null; detail: Record<string, unknown> }[] = [];
    if (c.started_at) out.push({ at: c.started_at, kind: "start", exerciseId: null, detail: {} });
    for (const e of this.db.all<{ at: string; kind: string; exercise_id: string | null; data: string }>(
      "SELECT at, kind, exercise_id, data FROM assessment_events WHERE candidate_id = ? ORDER BY id",
      [c.id],
    )) {
      out.push({
        at: e.at,
        kind: e.kind,
        exerciseId: e.exercise_id,
        detail: JSON.parse(e.data) as Record<string, unknown>,
      });
    }
    if (c.user_id !== null) {
      for (const s of this.db.all<{
        id: number;
        exercise_id: string;
        created_at: string;
        score: number | null;
        max_score: number | null;
        final: number;
      }>(
        "SELECT s.id, s.exercise_id, s.created_at, r.score, r.max_score, (SELECT count(*) FROM assessment_finals f WHERE f.submission_id = s.id) AS final FROM submissions s LEFT JOIN results r ON r.submission_id = s.id WHERE s.user_id = ?",
        [c.user_id],
      )) {
        out.push({
          at: s.created_at,
          kind: s.final ? "final-submission" : "submission",
          exerciseId: s.exercise_id,
          detail: { submissionId: s.id, score: s.score, maxScore: s.max_score },
        });
      }
      for (const t of this.db.all<{
        id: string;
        exercise_id: string;
        started_at: string;
        ended_at: string | null;
        end_reason: string | null;
      }>(
        "SELECT t.id, w.exercise_id, t.started_at, t.ended_at, t.end_reason FROM terminal_sessions t JOIN workspaces w ON w.id = t.workspace_id WHERE w.user_id = ?",
        [c.user_id],
      )) {
        out.push({ at: t.started_at, kind: "terminal-open", exerciseId: t.exercise_id, detail: { recording: t.id } });
        for (const cmd of commandsOf(path.join(this.recordingsDir, `${t.id}.cast.gz`), Date.parse(t.started_at)))
          out.push({
            at: cmd.at,
            kind: "command",
            exerciseId: t.exercise_id,
            detail: { command: cmd.command, recording: t.id, offsetS: cmd.offsetS },
          });
        if (t.ended_at)
          out.push({
            at: t.ended_at,
            kind: "terminal-closed",
            exerciseId: t.exercise_id,
            detail: { recording: t.id, reason: t.end_reason },
          });
      }
    }
    for (const x of this.db.all<{ at: string; extra_minutes: number; time_factor: number; deadline_at: string | null }>(
      "SELECT at, extra_minutes, time_factor, deadline_at FROM assessment_extensions WHERE candidate_id = ? ORDER BY id",
      [c.id],
    )) {
      out.push({
        at: x.at,
        kind: "extension",
        exerciseId: null,
        detail: { extraMinutes: x.extra_minutes, timeFactor: x.time_factor, deadline: x.deadline_at },
      });
    }
    if (c.finished_at)
      out.push({
        at: c.finished_at,
        kind: c.finish_reason === "submitted" ? "handed-in" : "deadline",
        exerciseId: null,
        detail: {},
      });
    return out.sort((x, y) => x.at.localeCompare(y.at));
  }

  /** Start, deadline, extensions and each final snapshot's hash with its result's signature, signed with the lab's key. */
  record(c: CandidateRow): { body: string; signature: string } | null {
    if (!c.finalized_at) return null;
    const extensions = this.db.all(
      "SELECT extra_minutes AS extraMinutes, time_factor AS timeFactor, deadline_at AS deadline, at FROM assessment_extensions WHERE candidate_id = ? ORDER BY id",
      [c.id],
    );
    const finals = this.finals(c.id).map((f) => ({
      exercise: f.exercise_id,
      submission: f.submission_id,
      snapshotSha256: f.snapshot_hash,
      resultSignature: f.signature,
    }));
    const body = JSON.stringify({
      assessment: c.assessment_id,
      candidate: c.pseudonym,
      startedAt: c.started_at,
      deadline: c.deadline_at,
      finishedAt: c.finished_at,
      finishReason: c.finish_reason,
      extensions,
      finals,
    });
    return { body, signature: crypto.createHmac("sha256", this.secret).update(body).digest("hex") };
  }

  verifyRecord(body: string, signature: string): boolean {
    const expected = crypto.createHmac("sha256", this.secret).update(body).digest();
    const given = Buffer.from(signature, "hex");
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  /** The final code against the starter, file by file (text files up to 256 KB each). */
  diff(
    exerciseId: string,
    submissionId: number,
  ): { path: string; change: "added" | "modified" | "deleted"; starter: string | null; final: string | null }[] {
    const exercise = this.hiring.exercise(exerciseId);
    if (!exercise) return [];
    const starter = readTree(path.join(exercise.dir, "starter"));
    const final = readTree(this.hiring.snapshotDir(submissionId));
    const paths = [...new Set([...starter.keys(), ...final.keys()])].sort();
    return paths.flatMap((p) => {
      const a = starter.get(p) ?? null;
      const b = final.get(p) ?? null;
      if (a === b) return [];
      return [
        {
          path: p,
          change: a === null ? ("added" as const) : b === null ? ("deleted" as const) : ("modified" as const),
          starter: a,
          final: b,
        },
      ];
    });
  }

  scoreRubric(
    assessmentId: number,
    candidateId: number,
    scores: { criterion: number; score: number; note?: string }[],
    actor: User,
  ): void {
    const c = this.hiring.candidates.of(assessmentId, candidateId);
    const criteria = this.hiring.assessments.get(assessmentId).rubric;
    const wrong = scores.filter((s) => s.criterion >= criteria.length);
    if (wrong.length)
      throw badRequest(
        `The rubric has ${criteria.length} criteria; no criterion ${wrong.map((w) => w.criterion).join(", ")}.`,
        { errors: wrong.map((w) => ({ path: "body.scores", message: `no criterion ${w.criterion}` })) },
      );
    const at = new Date().toISOString();
    this.db.transaction(() => {
      for (const s of scores) {
        this.db.run(
          "INSERT INTO rubric_scores (candidate_id, reviewer_id, criterion, score, note, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (candidate_id, reviewer_id, criterion) DO UPDATE SET score = excluded.score, note = excluded.note, at = excluded.at",
          [c.id, actor.id, s.criterion, s.score, s.note ?? null, at],
        );
      }
      this.hiring.assessments.audit(
        assessmentId,
        c.id,
        actor.id,
        "rubric-scored",
        scores.map((s) => `${criteria[s.criterion]!.name}: ${s.score}`).join(", "),
      );
    });
  }

  decide(assessmentId: number, candidateId: number, decision: string, comment: string, actor: User): void {
    const c = this.hiring.candidates.of(assessmentId, candidateId);
    if (!c.finished_at) throw conflict("The candidate has not handed in yet; decide once their work is final.");
    this.db.run(
      "UPDATE assessment_candidates SET decision = ?, decision_comment = ?, decided_by = ?, decided_at = ? WHERE id = ?",
      [decision, comment, actor.id, new Date().toISOString(), c.id],
    );
    this.hiring.assessments.audit(assessmentId, c.id, actor.id, "decision", `${decision}: ${comment}`);
  }

  private auditNames(assessmentId: number, actor: User, candidateIds: number[], where: string): void {
    for (const id of candidateIds) this.hiring.assessments.audit(assessmentId, id, actor.id, "name-viewed", where);
  }
}

/** Bash's prompt as the sandbox prints it (`user@host:dir$ `), then what was typed. */
const PROMPT = /^[\w.-]+@[\w.-]+:[^$#\n]*[$#] (.+)$/;
const ANSI = new RegExp(String.raw`\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][A-Z0-9]|[=>])`, "g");
const MAX_COMMANDS = 500;

/**
 * The commands run in a terminal session, read back from its recording: every output line
 * that is a prompt followed by what was typed, at the time its line ended (the Enter).
 */
export function commandsOf(file: string, startedAt: number): { at: string; offsetS: number; command: string }[] {
  let text: string;
  try {
    text = zlib.gunzipSync(fs.readFileSync(file), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString("utf8");
  } catch {
    return [];
  }
  const out: { at: string; offsetS: number; command: string }[] = [];
  let line = "";
  for (const raw of text.split("\n").slice(1)) {
    let ev: unknown;
    try {
      ev = JSON.parse(raw);
    } catch {
      continue;
    }
    if (!Array.isArray(ev) || ev[1] !== "o" || typeof ev[0] !== "number" || typeof ev[2] !== "string") continue;
    const parts = (ev[2] as string).replace(ANSI, "").split(/\r?\n/);
    for (let i = 0; i < parts.length; i++) {
      // A carriage return alone redraws the line (bash's editing): keep what follows it.
      const seg = parts[i]!.includes("\r") ? parts[i]!.slice(parts[i]!.lastIndexOf("\r") + 1) : parts[i]!;
      line = parts[i]!.includes("\r") ? seg : line + seg;
      if (i < parts.length - 1) {
        const m = PROMPT.exec(printable(line));
        if (m && out.length < MAX_COMMANDS)
          out.push({
            at: new Date(startedAt + (ev[0] as number) * 1000).toISOString(),
            offsetS: ev[0] as number,
            command: m[1]!.trim().slice(0, 300),
          });
        line = "";
      }
    }
  }
  return out;
}

const printable = (s: string) => [...s].filter((ch) => ch.charCodeAt(0) >= 32 && ch.charCodeAt(0) !== 127).join("");

function readTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, rel));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (name === "node_modules" || name === ".git") continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(root, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile() && st.size <= MAX_DIFF_FILE) {
        const buf = fs.readFileSync(path.join(root, r));
        if (!buf.includes(0)) out.set(r, buf.toString("utf8"));
      }
    }
  };
  walk("");
  return out;
}
