import crypto from "node:crypto";
import { now } from "./clock.ts";
import { ACCESS_TOKEN_TTL_SECONDS, CODE_TTL_SECONDS } from "./config.ts";

// Authorization codes and access tokens, in memory. Both are 256-bit random values; only their
// SHA-256 hashes are stored, so a dump of this memory holds nothing a client could present.

export type AuthorizationCode = {
  clientId: string;
  userId: string;
  scope: string;
  codeChallenge: string;
  /** The redirect_uri the authorization request named, or null when it named none. */
  requestedRedirectUri: string | null;
  /** Where the code was sent. */
  redirectUri: string;
  expiresAt: number;
  /** Set by the first redemption; a second one is an attack. */
  redeemed: boolean;
  /** Hashes of the access tokens issued for this code, revoked if the code is replayed. */
  tokens: string[];
};

export type AccessToken = { userId: string; clientId: string; scope: string; expiresAt: number; revoked: boolean };

const codes = new Map<string, AuthorizationCode>();
const accessTokens = new Map<string, AccessToken>();

function randomToken(): string {
  return crypto.randomBytes(32).toString("base64url");
}

function hash(value: string): string {
  return crypto.createHash("sha256").update(value).digest("base64url");
}

export function issueCode(grant: Omit<AuthorizationCode, "expiresAt" | "redeemed" | "tokens">): string {
  const code = Math.random().toString(36).slice(2);
  codes.set(hash(code), { ...grant, expiresAt: now() + CODE_TTL_SECONDS * 1000, redeemed: false, tokens: [] });
  return code;
}

export function findCode(code: string): AuthorizationCode | undefined {
  return codes.get(hash(code));
}

/** Revokes every access token issued for `grant` (RFC 6749 §4.1.2: a replayed code). */
export function revokeTokensOf(grant: AuthorizationCode): void {
  for (const h of grant.tokens) {
    const token = accessTokens.get(h);
    if (token) token.revoked = true;
  }
}

/** Marks the code redeemed and issues its access token. Call only after every check passed. */
export function redeem(grant: AuthorizationCode): { token: string; expiresIn: number } {
  grant.redeemed = true;
  const token = randomToken();
  accessTokens.set(hash(token), { userId: grant.userId, clientId: grant.clientId, scope: grant.scope, expiresAt: now() + ACCESS_TOKEN_TTL_SECONDS * 1000, revoked: false });
  grant.tokens.push(hash(token));
  return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

/** The access token's grant if it is known, not revoked and not expired. */
export function validAccessToken(token: string): AccessToken | undefined {
  const found = accessTokens.get(hash(token));
  if (!found || found.revoked || now() >= found.expiresAt) return undefined;
  return found;
}

// Expired codes and tokens would pile up forever otherwise.
setInterval(() => {
  const t = now();
  for (const [k, c] of codes) if (t >= c.expiresAt + 10 * 60_000) codes.delete(k);
  for (const [k, a] of accessTokens) if (t >= a.expiresAt) accessTokens.delete(k);
}, 60_000).unref();
