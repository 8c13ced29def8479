import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Accounts } from "../accounts/service.ts";
import { hashToken } from "../accounts/sessions.ts";
import { shortCode } from "../cohorts/service.ts";
import { ROOT_DIR } from "../config.ts";
import type { Database } from "../db/database.ts";
import type { CallContext, Fixtures } from "./authz.matrix.ts";

/** The authorization matrix's fixtures made straight in the database (server/http/authz.int.test.ts). */

export const EXERCISE = "token-bucket";

/** A cohort the user runs and has joined, its one exercise unlocked, a hand raised in it. */
export function makeCohort(db: Database, userId: number): { cohort: number; joinCode: string; hand: number } {
  const at = new Date().toISOString();
  const joinCode = shortCode();
  const cohort = Number(
    db.run(
      "INSERT INTO cohorts (owner_id, name, seats, leaderboard, join_code, created_at) VALUES (?, 'Matrix cohort', 50, 'names', ?, ?)",
      [userId, joinCode, at],
    ).lastInsertRowid,
  );
  db.run("INSERT INTO cohort_track (cohort_id, position, exercise_id, unlocked_at) VALUES (?, 0, ?, ?)", [
    cohort,
    EXERCISE,
    at,
  ]);
  db.run("INSERT INTO cohort_members (cohort_id, user_id, joined_at, pseudonym) VALUES (?, ?, ?, 'Matrix')", [
    cohort,
    userId,
    at,
  ]);
  const hand = Number(
    db.run("INSERT INTO cohort_hands (cohort_id, user_id, message, raised_at) VALUES (?, ?, 'matrix', ?)", [
      cohort,
      userId,
      at,
    ]).lastInsertRowid,
  );
  return { cohort, joinCode, hand };
}

/** Things a matrix call uses up, made fresh for each call. */
export function fixtureMakers(
  db: Database,
  accounts: Accounts,
  people: Map<string, Fixtures>,
  dataDir: string,
): CallContext["make"] {
  /** An endpoint of the fixture's user when they are an instructor (their own), else an admin's (unowned). */
  const insertWebhook = (f?: Fixtures) =>
    Number(
      db.run(
        "INSERT INTO webhook_endpoints (url, events, secret, created_at, scoped_to) VALUES ('http://127.0.0.1:9/matrix', '[\"cohort.member.joined\"]', 'whsec_bWF0cml4bWF0cml4bWF0cml4', ?, ?)",
        [new Date().toISOString(), f?.role === "instructor" ? f.userId : null],
      ).lastInsertRowid,
    );
  const make: CallContext["make"] = {
    webhook: insertWebhook,
    delivery: (f?: Fixtures) =>
      Number(
        db.run(
          "INSERT INTO webhook_deliveries (endpoint_id, msg_id, event_type, payload, status, next_attempt_at, created_at) VALUES (?, ?, 'cohort.member.joined', '{}', 'failed', ?, ?)",
          [insertWebhook(f), `msg_${crypto.randomUUID()}`, new Date().toISOString(), new Date().toISOString()],
        ).lastInsertRowid,
      ),
    session: (userId: number) => accounts.sessions.create(userId, "authz matrix fixture").id,
    invite: () => accounts.invites.create({ kind: "invite", role: "learner", ttlMs: 3_600_000 }).id,
    inviteToken: () => accounts.invites.create({ kind: "invite", role: "learner", ttlMs: 3_600_000 }).token,
    firstAdminToken: () => accounts.invites.create({ kind: "first-admin", role: "admin", ttlMs: 3_600_000 }).token,
    /** A snapshot of the fixture's workspace, as a reset leaves one (row and files: the starter, so a restore keeps it whole). */
    snapshot: (f: Fixtures) => {
      const id = Number(
        db.run(
          "INSERT INTO workspace_snapshots (workspace_id, reason, files, bytes, created_at) VALUES (?, 'reset', 1, 5, ?)",
          [f.workspace, new Date().toISOString()],
        ).lastInsertRowid,
      );
      const dir = path.join(dataDir, "workspace-snapshots", String(f.workspace), String(id));
      fs.cpSync(path.join(ROOT_DIR, "exercises", "code-patterns", EXERCISE, "starter"), dir, { recursive: true });
      return id;
    },
    /** A reset link for a fresh account of its own (using it ends that account's sessions). */
    passwordResetToken: () => {
      const id = Number(
        db.run(
          "INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES (?, 'R', '!', 'learner', ?)",
          [`r-${crypto.randomUUID()}@example.test`, new Date().toISOString()],
        ).lastInsertRowid,
      );
      return accounts.passwordResets.create(id, null).token;
    },
    takeover: (f: Fixtures) =>
      Number(
        db.run(
          "INSERT INTO cohort_takeovers (cohort_id, workspace_id, instructor_id, learner_id, requested_at) VALUES (?, ?, ?, ?, ?)",
          [f.cohort, f.workspace, f.userId, f.userId, new Date().toISOString()],
        ).lastInsertRowid,
      ),
    candidate: (assessmentId: number) => insertCandidate(assessmentId, crypto.randomBytes(32).toString("base64url")),
    finishedCandidate: (assessmentId: number) => {
      const id = insertCandidate(assessmentId, crypto.randomBytes(32).toString("base64url"));
      const at = new Date().toISOString();
      db.run(
        "UPDATE assessment_candidates SET started_at = ?, deadline_at = ?, finished_at = ?, finish_reason = 'submitted', finalized_at = ? WHERE id = ?",
        [at, at, at, at, id],
      );
      return id;
    },
    link: (assessmentId: number) =>
      Number(
        db.run(
          "INSERT INTO assessment_links (assessment_id, token_hash, claim_limit, expires_at, created_at) VALUES (?, ?, 5, ?, ?)",
          [
            assessmentId,
            hashToken(crypto.randomUUID()),
            new Date(Date.now() + 3_600_000).toISOString(),
            new Date().toISOString(),
          ],
        ).lastInsertRowid,
      ),
    claimToken: () => {
      const token = crypto.randomBytes(32).toString("base64url");
      insertCandidate(people.get("admin")!.assessment, token);
      return token;
    },
    token: (userId: number) =>
      Number(
        db.run(
          "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at, expires_at) VALUES (?, 'matrix', ?, 'blt_matrix', '[]', ?, ?)",
          [
            userId,
            hashToken(crypto.randomUUID()),
            new Date().toISOString(),
            new Date(Date.now() + 3_600_000).toISOString(),
          ],
        ).lastInsertRowid,
      ),
    startedCandidate: () => {
      const id = Number(
        db.run(
          "INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES (?, 'C', '!', 'candidate', ?)",
          [`c-${crypto.randomUUID()}@candidates.invalid`, new Date().toISOString()],
        ).lastInsertRowid,
      );
      const cid = insertCandidate(people.get("candidate")!.assessment, crypto.randomBytes(32).toString("base64url"));
      const now = Date.now();
      db.run(
        "UPDATE assessment_candidates SET user_id = ?, claimed_at = ?, started_at = ?, deadline_at = ? WHERE id = ?",
        [id, new Date(now).toISOString(), new Date(now).toISOString(), new Date(now + 3_600_000).toISOString(), cid],
      );
      return id;
    },
  };

  function insertCandidate(assessmentId: number, token: string): number {
    return Number(
      db.run(
        "INSERT INTO assessment_candidates (assessment_id, pseudonym, token_hash, invite_expires_at, invited_at) VALUES (?, ?, ?, ?, ?)",
        [
          assessmentId,
          `M-${crypto.randomUUID()}`,
          hashToken(token),
          new Date(Date.now() + 3_600_000).toISOString(),
          new Date().toISOString(),
        ],
      ).lastInsertRowid,
    );
  }
  return make;
}
