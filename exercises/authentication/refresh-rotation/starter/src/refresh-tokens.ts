// Refresh tokens: opaque random strings, stored only as SHA-256 hashes. Every login starts a
// *family* (one per device/session); each refresh issues the next token of the same family.
import crypto from "node:crypto";
import { REFRESH_TOKEN_TTL_SECONDS } from "./config.ts";

type Stored = { familyId: string; userId: string; expiresAt: number };

const tokens = new Map<string, Stored>(); // key: sha256(token)

const hash = (token: string) => crypto.createHash("sha256").update(token).digest("hex");

/** A new family, for a new login. */
export function startFamily(_userId: string): string {
  return crypto.randomUUID();
}

/** A fresh refresh token in `familyId` (256 random bits). */
export function issueRefreshToken(userId: string, familyId: string): string {
  const token = crypto.randomBytes(32).toString("base64url");
  tokens.set(hash(token), { familyId, userId, expiresAt: Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000 });
  return token;
}

/** The token's record, when it exists and has not expired. */
export function findRefreshToken(token: string): Stored | undefined {
  const stored = tokens.get(hash(token));
  return stored && Date.now() < stored.expiresAt ? stored : undefined;
}

/** Logout: forgets `token` (unknown tokens are ignored). */
export function deleteRefreshToken(token: string): void {
  tokens.delete(hash(token));
}
