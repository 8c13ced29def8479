import crypto from "node:crypto";

// PKCE (RFC 7636) with S256 only. `plain` would send the verifier itself through the browser,
// where the code leaks too, so it proves nothing; OAuth 2.1 lets servers refuse it.

/** A S256 code_challenge: base64url (no padding) of a 32-byte SHA-256 digest. */
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** A code_verifier: 43 to 128 unreserved characters (RFC 7636 §4.1). */
export const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function s256(verifier: string): string {
  return crypto.createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** Whether `verifier` hashes to `challenge`, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  const a = Buffer.from(s256(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
