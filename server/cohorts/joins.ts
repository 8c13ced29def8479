import crypto from "node:crypto";
import type { User } from "../accounts/schema.ts";
import type { CohortSummary } from "../contract/cohorts.ts";
import type { Database } from "../db/database.ts";
import { forbidden, Problem } from "../errors.ts";
import { hasEnded, now, type CohortRow } from "./rows.ts";

/**
 * How people get into a cohort: the join link's short code (shared, may expire) or a one-time
 * invite for a named email address. Only the invite token's hash is stored.
 */

/** What joining needs from the cohort service. */
export type JoinTarget = {
  row(id: number): CohortRow;
  isMember(id: number, userId: number): boolean;
  summary(c: CohortRow): CohortSummary;
};

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const ANIMALS = [
  "Otter",
  "Heron",
  "Lynx",
  "Badger",
  "Falcon",
  "Marten",
  "Ibex",
  "Puffin",
  "Gecko",
  "Bison",
  "Crane",
  "Dingo",
  "Koala",
  "Lemur",
  "Moose",
  "Orca",
];

const hashToken = (t: string) => crypto.createHash("sha256").update(t).digest("hex");

export function shortCode(): string {
  const bytes = crypto.randomBytes(8);
  return [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
}

/** One-time invite links for named people; the tokens are shown only now. */
export function createInvites(
  db: Database,
  id: number,
  emails: string[],
  days: number,
): { email: string; token: string }[] {
  const expires = new Date(Date.now() + days * 86_400_000).toISOString();
  return db.transaction(() =>
    emails.map((email) => {
      const token = crypto.randomBytes(32).toString("base64url");
      db.run(
        "INSERT INTO cohort_invites (cohort_id, email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [id, email, hashToken(token), now(), expires],
      );
      return { email, token };
    }),
  );
}

/** Joins by the link's short code or a one-time invite. Joining again is a no-op. */
export function joinOnce(
  db: Database,
  cohorts: JoinTarget,
  user: User,
  code: string,
  /** Called in the transaction when a new membership is stored (not when joining again). */
  joined: (cohortId: number) => void = () => {},
): CohortSummary {
  return db.transaction(() => {
    let cohort: CohortRow | undefined;
    let inviteId: number | undefined;
    if (code.length === 8) {
      cohort = db.get<CohortRow>("SELECT * FROM cohorts WHERE join_code = ?", [code.toUpperCase()]);
      if (!cohort)
        throw new Problem(
          404,
          "join-code-unknown",
          "Unknown join code",
          "No cohort has this join code; ask your instructor for the current link.",
        );
      if (cohorts.isMember(cohort.id, user.id)) return cohorts.summary(cohort);
      if (cohort.join_code_expires_at && Date.parse(cohort.join_code_expires_at) <= Date.now())
        throw new Problem(
          410,
          "join-code-expired",
          "Join code expired",
          "This join link has expired; ask your instructor for a new one.",
        );
    } else {
      const inv = db.get<{
        id: number;
        cohort_id: number;
        email: string;
        expires_at: string;
        used_at: string | null;
        used_by: number | null;
      }>("SELECT * FROM cohort_invites WHERE token_hash = ?", [hashToken(code)]);
      if (!inv) throw new Problem(404, "invite-unknown", "Unknown invite", "This invite link is not valid.");
      cohort = cohorts.row(inv.cohort_id);
      if (inv.used_at) {
        if (inv.used_by === user.id) return cohorts.summary(cohort);
        throw new Problem(
          410,
          "invite-used",
          "Invite already used",
          "This invite link was already used; each invite works once.",
        );
      }
      if (Date.parse(inv.expires_at) <= Date.now())
        throw new Problem(
          410,
          "invite-expired",
          "Invite expired",
          "This invite link has expired; ask your instructor for a new one.",
        );
      if (inv.email.toLowerCase() !== user.email.toLowerCase())
        throw forbidden("This invite is for another email address; sign in with the address it was sent to.");
      inviteId = inv.id;
    }
    if (hasEnded(cohort))
      throw new Problem(410, "cohort-ended", "Cohort ended", "This cohort has ended; it takes no new members.");
    if (!cohorts.isMember(cohort.id, user.id)) {
      const taken = db.get<{ n: number }>("SELECT count(*) AS n FROM cohort_members WHERE cohort_id = ?", [
        cohort.id,
      ])!.n;
      if (taken >= cohort.seats)
        throw new Problem(
          409,
          "cohort-full",
          "Cohort full",
          `All ${cohort.seats} seats of this cohort are taken; ask your instructor for a seat.`,
        );
      const pseudonym = `${ANIMALS[crypto.randomInt(ANIMALS.length)]} ${crypto.randomBytes(2).toString("hex").toUpperCase()}`;
      db.run("INSERT INTO cohort_members (cohort_id, user_id, joined_at, pseudonym) VALUES (?, ?, ?, ?)", [
        cohort.id,
        user.id,
        now(),
        pseudonym,
      ]);
      joined(cohort.id);
    }
    if (inviteId !== undefined)
      db.run("UPDATE cohort_invites SET used_at = ?, used_by = ? WHERE id = ?", [now(), user.id, inviteId]);
    return cohorts.summary(cohort);
  });
}
