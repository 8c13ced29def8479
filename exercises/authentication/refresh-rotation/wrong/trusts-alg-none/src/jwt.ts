// Just enough JWT (RFC 7519) for HS256 access tokens, on node:crypto.
import crypto from "node:crypto";

export type Claims = Record<string, unknown>;
export type AccessClaims = Claims & { sub: string; iat: number; exp: number };

export class JwtError extends Error {}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");
const hmac = (secret: string, input: string) => crypto.createHmac("sha256", secret).update(input).digest("base64url");

function parsePart(part: string): Claims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new JwtError("malformed token");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new JwtError("malformed token");
  return value as Claims;
}

const HEADER = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

/** Signs `claims` with HMAC-SHA256. */
export function sign(claims: Claims, secret: string): string {
  const input = `${HEADER}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${hmac(secret, input)}`;
}

/**
 * Checks a token and returns its claims, or throws JwtError. The algorithm is fixed (HS256):
 * the token's own "alg" never decides how it is checked, so "none" and friends are refused.
 * The signature is compared in constant time, and "exp" is required and enforced.
 */
export function verify(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): AccessClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed token");
  const [h, p, s] = parts as [string, string, string];
  const header = parsePart(h);
  if (header.alg !== "HS256" && header.alg !== "none") throw new JwtError("unexpected algorithm");

  if (header.alg === "HS256") {
    const expected = Buffer.from(hmac(secret, `${h}.${p}`));
    const actual = Buffer.from(s);
    if (actual.length !== expected.length || !crypto.timingSafeEqual(actual, expected)) throw new JwtError("bad signature");
  }

  const claims = parsePart(p);
  if (typeof claims.exp !== "number" || nowSeconds >= claims.exp) throw new JwtError("token expired");
  if (typeof claims.nbf === "number" && nowSeconds < claims.nbf) throw new JwtError("token not yet valid");
  if (typeof claims.sub !== "string" || typeof claims.iat !== "number") throw new JwtError("missing claims");
  return claims as AccessClaims;
}
