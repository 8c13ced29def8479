import crypto from "node:crypto";
import { z } from "zod";
import type { User } from "../accounts/schema.ts";
import { hashToken } from "../accounts/sessions.ts";
import type { Database } from "../db/database.ts";
import { conflict, notFound, Problem } from "../errors.ts";
import { InviteRow } from "./schema.ts";
import type { Assessments } from "./service.ts";

export type CandidateRow = {
  id: number;
  assessment_id: number;
  pseudonym: string;
  name: string | null;
  email: string | null;
  user_id: number | null;
  link_id: number | null;
  token_hash: string | null;
  invite_expires_at: string | null;
  invited_at: string;
  claimed_at: string | null;
  revoked_at: string | null;
  started_at: string | null;
  extra_minutes: number;
  time_factor: number;
  deadline_at: string | null;
  finished_at: string | null;
  finish_reason: "submitted" | "deadline" | null;
  finalized_at: string | null;
  decision: "advance" | "hold" | "reject" | null;
  decision_comment: string | null;
  decided_by: number | null;
  decided_at: string | null;
};

export type Invited = {
  candidateId: number;
  pseudonym: string;
  name: string | null;
  email: string | null;
  token: string;
  expiresAt: string;
};
export type RowProblem = { row: number; errors: string[] };

const DAY = 86_400_000;
const newToken = () => crypto.randomBytes(32).toString("base64url");
/** Short, unambiguous and not derived from anything about the person. */
const newPseudonym = () =>
  `C-${crypto.randomBytes(5).toString("base64url").replace(/[-_]/g, "x").slice(0, 6).toUpperCase()}`;

const gone = (id: string, title: string, detail: string) => new Problem(410, id, title, detail);

/**
 * Candidates of an assessment: invites (one per candidate, single use, expiring), public
 * links with a claim limit, and the candidate's account, made when a link is claimed and
 * good for this assessment only. Only hashes of link tokens are stored.
 */
export class Candidates {
  constructor(
    private db: Database,
    private assessments: Assessments,
  ) {}

  row(id: number): CandidateRow | undefined {
    return this.db.get<CandidateRow>("SELECT * FROM assessment_candidates WHERE id = ?", [id]);
  }

  of(assessmentId: number, candidateId: number): CandidateRow {
    const r = this.row(candidateId);
    if (!r || r.assessment_id !== assessmentId) throw notFound("The candidate");
    return r;
  }

  forUser(userId: number): CandidateRow | undefined {
    return this.db.get<CandidateRow>("SELECT * FROM assessment_candidates WHERE user_id = ?", [userId]);
  }

  list(assessmentId: number): CandidateRow[] {
    return this.db.all<CandidateRow>("SELECT * FROM assessment_candidates WHERE assessment_id = ? ORDER BY id", [
      assessmentId,
    ]);
  }

  /** All or nothing: one transaction for the whole batch. */
  invite(assessmentId: number, rows: z.infer<typeof InviteRow>[], actor: User): Invited[] {
    this.assessments.get(assessmentId);
    const seen = new Set<string>();
    for (const [i, r] of rows.entries()) {
      if (r.email && seen.has(r.email))
        throw new Problem(422, "invite-rows", "Some invites are wrong", "Nothing was created; fix the rows listed.", {
          rows: [{ row: i + 1, errors: [`email ${r.email} appears twice`] }],
        });
      if (r.email) seen.add(r.email);
    }
    return this.db.transaction(() => {
      const out = rows.map((r) => this.insert(assessmentId, r.name ?? null, r.email ?? null, r.days ?? 7, null));
      this.assessments.audit(assessmentId, null, actor.id, "candidates-invited", `${out.length} invite(s)`);
      return out;
    });
  }

  /**
   * Invites from CSV text: a header naming `name`, `email` and/or `days`, then a row per
   * candidate. Every row is checked first; one broken row and nothing is created, and the
   * answer lists each broken row with what is wrong.
   */
  inviteCsv(assessmentId: number, csv: string, days: number | undefined, actor: User): Invited[] {
    const records = parseCsv(csv);
    const header = (records.shift() ?? []).map((h) => h.trim().toLowerCase());
    const known = ["name", "email", "days"];
    const unknown = header.filter((h) => !known.includes(h));
    if (!header.length || unknown.length || !header.some((h) => h === "name" || h === "email")) {
      throw new Problem(
        422,
        "invite-rows",
        "The CSV header is wrong",
        `The first line must name the columns: name and/or email (and optionally days)${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}. Nothing was created.`,
        { rows: [{ row: 1, errors: ["bad header"] }] },
      );
    }
    const problems: RowProblem[] = [];
    const parsed: z.infer<typeof InviteRow>[] = [];
    const emails = new Map<string, number>();
    records.forEach((cells, i) => {
      const line = i + 2;
      if (cells.length === 1 && cells[0]!.trim() === "") return;
      if (cells.length !== header.length) {
        problems.push({ row: line, errors: [`has ${cells.length} cells, the header has ${header.length}`] });
        return;
      }
      const obj: Record<string, unknown> = {};
      header.forEach((h, j) => {
        const v = cells[j]!.trim();
        if (v !== "") obj[h] = h === "days" ? Number(v) : v;
      });
      if (days !== undefined && obj.days === undefined) obj.days = days;
      const r = InviteRow.safeParse(obj);
      if (!r.success) {
        problems.push({ row: line, errors: r.error.issues.map((x) => `${x.path.join(".") || "row"}: ${x.message}`) });
        return;
      }
      if (r.data.email) {
        const first = emails.get(r.data.email);
        if (first) {
          problems.push({ row: line, errors: [`email ${r.data.email} is already on line ${first}`] });
          return;
        }
        emails.set(r.data.email, line);
      }
      parsed.push(r.data);
    });
    if (problems.length)
      throw new Problem(
        422,
        "invite-rows",
        "Some rows of the CSV are wrong",
        `${problems.length} row(s) are wrong; nothing was created. Fix them and upload again.`,
        { rows: problems },
      );
    if (!parsed.length)
      throw new Problem(
        422,
        "invite-rows",
        "The CSV has no candidates",
        "Only a header was sent; nothing was created.",
        { rows: [] },
      );
    if (parsed.length > 500)
      throw new Problem(
        422,
        "invite-rows",
        "Too many rows",
        "At most 500 candidates per upload; nothing was created.",
        { rows: [] },
      );
    return this.invite(assessmentId, parsed, actor);
  }

  /** A fresh link for the candidate; the old one stops working. */
  resend(assessmentId: number, candidateId: number, days: number, actor: User): Invited {
    const c = this.of(assessmentId, candidateId);
    if (c.revoked_at) throw conflict("This invite was revoked; invite the candidate again.");
    if (c.finished_at) throw conflict("The candidate has finished; there is nothing to resend.");
    const token = newToken();
    const expiresAt = new Date(Date.now() + days * DAY).toISOString();
    this.db.run(
      "UPDATE assessment_candidates SET token_hash = ?, invite_expires_at = ?, claimed_at = NULL WHERE id = ?",
      [hashToken(token), expiresAt, c.id],
    );
    this.assessments.audit(assessmentId, c.id, actor.id, "invite-resent");
    return { candidateId: c.id, pseudonym: c.pseudonym, name: c.name, email: c.email, token, expiresAt };
  }

  /** The link stops working and the candidate's sessions end (the caller ends them). */
  revoke(assessmentId: number, candidateId: number, actor: User): CandidateRow {
    const c = this.of(assessmentId, candidateId);
    this.db.run("UPDATE assessment_candidates SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [
      new Date().toISOString(),
      c.id,
    ]);
    this.assessments.audit(assessmentId, c.id, actor.id, "invite-revoked");
    return this.row(c.id)!;
  }

  publicLink(
    assessmentId: number,
    claimLimit: number,
    days: number,
    actor: User,
  ): { id: number; token: string; claimLimit: number; expiresAt: string } {
    this.assessments.get(assessmentId);
    const token = newToken();
    const expiresAt = new Date(Date.now() + days * DAY).toISOString();
    const row = this.db.get<{ id: number }>(
      "INSERT INTO assessment_links (assessment_id, token_hash, claim_limit, expires_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
      [assessmentId, hashToken(token), claimLimit, expiresAt, new Date().toISOString()],
    )!;
    this.assessments.audit(assessmentId, null, actor.id, "public-link-created", `claim limit ${claimLimit}`);
    return { id: row.id, token, claimLimit, expiresAt };
  }

  links(
    assessmentId: number,
  ): { id: number; claimLimit: number; claims: number; expiresAt: string; revoked: boolean }[] {
    return this.db
      .all<{ id: number; claim_limit: number; claims: number; expires_at: string; revoked_at: string | null }>(
        "SELECT * FROM assessment_links WHERE assessment_id = ? ORDER BY id",
        [assessmentId],
      )
      .map((l) => ({
        id: l.id,
        claimLimit: l.claim_limit,
        claims: l.claims,
        expiresAt: l.expires_at,
        revoked: l.revoked_at !== null,
      }));
  }

  revokeLink(assessmentId: number, linkId: number, actor: User): void {
    const changed = this.db.run(
      "UPDATE assessment_links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND assessment_id = ?",
      [new Date().toISOString(), linkId, assessmentId],
    ).changes;
    if (!changed) throw notFound("The link");
    this.assessments.audit(assessmentId, null, actor.id, "public-link-revoked", String(linkId));
  }

  /**
   * Claims an invite or a public link: the candidate's account (made the first time), for
   * the caller to open a session on. A resent link signs the same candidate in again.
   */
  claim(token: string): { candidate: CandidateRow; userId: number } {
    const h = hashToken(token);
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const c = this.db.get<CandidateRow>("SELECT * FROM assessment_candidates WHERE token_hash = ?", [h]);
      if (c) {
        if (c.revoked_at)
          throw gone("invite-revoked", "Invite revoked", "This invite was revoked; ask whoever sent it.");
        if (c.claimed_at)
          throw gone(
            "invite-used",
            "Invite already used",
            "This link was already used; each link works once. Ask for a new one if you lost your session.",
          );
        if (!c.invite_expires_at || c.invite_expires_at <= now)
          throw gone("invite-expired", "Invite expired", "This invite has expired; ask for a new one.");
        this.checkWindowOpen(c.assessment_id, now);
        const userId = c.user_id ?? this.makeUser(c.pseudonym);
        this.db.run("UPDATE assessment_candidates SET user_id = ?, claimed_at = ? WHERE id = ?", [userId, now, c.id]);
        return { candidate: this.row(c.id)!, userId };
      }
      const link = this.db.get<{
        id: number;
        assessment_id: number;
        claim_limit: number;
        claims: number;
        expires_at: string;
        revoked_at: string | null;
      }>("SELECT * FROM assessment_links WHERE token_hash = ?", [h]);
      if (!link)
        throw new Problem(
          404,
          "invite-unknown",
          "Unknown link",
          "This link does not exist (a resent invite replaces the earlier link).",
        );
      if (link.revoked_at) throw gone("invite-revoked", "Link revoked", "This link was revoked.");
      if (link.expires_at <= now) throw gone("invite-expired", "Link expired", "This link has expired.");
      if (link.claims >= link.claim_limit)
        throw gone("claim-limit", "No places left", `This link was claimed ${link.claims} times, its limit.`);
      this.checkWindowOpen(link.assessment_id, now);
      this.db.run("UPDATE assessment_links SET claims = claims + 1 WHERE id = ?", [link.id]);
      const inserted = this.insert(link.assessment_id, null, null, 0, link.id);
      const userId = this.makeUser(inserted.pseudonym);
      this.db.run("UPDATE assessment_candidates SET user_id = ?, claimed_at = ?, token_hash = NULL WHERE id = ?", [
        userId,
        now,
        inserted.candidateId,
      ]);
      return { candidate: this.row(inserted.candidateId)!, userId };
    });
  }

  private checkWindowOpen(assessmentId: number, now: string): void {
    const a = this.assessments.get(assessmentId);
    if (a.closesAt <= now) throw gone("window-closed", "Assessment closed", `This assessment closed at ${a.closesAt}.`);
  }

  private insert(
    assessmentId: number,
    name: string | null,
    email: string | null,
    days: number,
    linkId: number | null,
  ): Invited {
    const token = newToken();
    const expiresAt = new Date(Date.now() + days * DAY).toISOString();
    for (let attempt = 0; ; attempt++) {
      const pseudonym = newPseudonym();
      try {
        const row = this.db.get<{ id: number }>(
          "INSERT INTO assessment_candidates (assessment_id, pseudonym, name, email, link_id, token_hash, invite_expires_at, invited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          [assessmentId, pseudonym, name, email, linkId, hashToken(token), expiresAt, new Date().toISOString()],
        )!;
        return { candidateId: row.id, pseudonym, name, email, token, expiresAt };
      } catch (err) {
        if ((err as { code?: string }).code !== "SQLITE_CONSTRAINT_UNIQUE" || attempt > 5) throw err;
      }
    }
  }

  /** An account that can only sign in through links: no password, no email of the person. */
  private makeUser(pseudonym: string): number {
    const info = this.db.run(
      "INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES (?, ?, '!', 'candidate', ?)",
      [`${pseudonym.toLowerCase()}@candidates.invalid`, pseudonym, new Date().toISOString()],
    );
    return Number(info.lastInsertRowid);
  }
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const src = text.replace(/^\uFEFF/, "");
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
