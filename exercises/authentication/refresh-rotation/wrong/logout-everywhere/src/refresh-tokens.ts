// Refresh tokens: opaque random strings, stored only as SHA-256 hashes (a leaked table gives
// nothing usable). Every login starts a *family*; each refresh uses up the presented token and
// issues the next one in the same family. A used token that comes back means someone has a
// copy: the whole family is revoked, so thief and victim both have to log in again.
import crypto from "node:crypto";
import { REFRESH_TOKEN_TTL_SECONDS } from "./config.ts";

type Family = { userId: string; revokedAt: number | null; revokedBecause: string | null };
type Stored = { familyId: string; userId: string; expiresAt: number; usedAt: number | null };

const families = new Map<string, Family>();
const tokens = new Map<string, Stored>(); // key: sha256(token)

const hash = (token: string) => crypto.createHash("sha256").update(token).digest("hex");

/** A new family, for a new login. */
export function startFamily(userId: string): string {
  const id = crypto.randomUUID();
  families.set(id, { userId, revokedAt: null, revokedBecause: null });
  return id;
}

/** A fresh refresh token in `familyId` (256 random bits). */
export function issueRefreshToken(userId: string, familyId: string): string {
  const token = crypto.randomBytes(32).toString("base64url");
  tokens.set(hash(token), { familyId, userId, expiresAt: Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000, usedAt: null });
  return token;
}

export type Consumed = { ok: true; userId: string; familyId: string } | { ok: false; reason: "unknown" | "expired" | "revoked" | "reused" };

/**
 * Uses up `token`: it works exactly once. Synchronous on purpose: nothing else runs between
 * the check and the update, so two concurrent refreshes with one token cannot both succeed.
 */
export function consumeRefreshToken(token: string): Consumed {
  const stored = tokens.get(hash(token));
  if (!stored) return { ok: false, reason: "unknown" };
  const family = families.get(stored.familyId);
  if (!family || family.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (stored.usedAt !== null) {
    revoke(family, "reuse of a used refresh token");
    return { ok: false, reason: "reused" };
  }
  if (Date.now() >= stored.expiresAt) return { ok: false, reason: "expired" };
  stored.usedAt = Date.now();
  return { ok: true, userId: stored.userId, familyId: stored.familyId };
}

/** Logout: revokes the family `token` belongs to (unknown tokens are ignored). */
export function revokeFamilyOf(token: string): void {
  const stored = tokens.get(hash(token));
  if (!stored) return;
  for (const family of families.values()) if (family.userId === stored.userId) revoke(family, "logout");
}

function revoke(family: Family, because: string): void {
  if (family.revokedAt !== null) return;
  family.revokedAt = Date.now();
  family.revokedBecause = because;
}
