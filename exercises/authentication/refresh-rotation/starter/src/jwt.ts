// Just enough JWT (RFC 7519) for HS256 access tokens, on node:crypto.
import crypto from "node:crypto";

export type Claims = Record<string, unknown>;
export type AccessClaims = Claims & { sub: string; iat: number; exp: number };

export class JwtError extends Error {}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");
const hmac = (hash: string, secret: string, input: string) => crypto.createHmac(hash, secret).update(input).digest("base64url");

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

/** The algorithms RFC 7518 defines for JWS with a shared secret ("none": unsecured JWTs, handy in tests). */
const ALGORITHMS: Record<string, string | null> = { HS256: "sha256", HS384: "sha384", HS512: "sha512", none: null };

/** Signs `claims` with HMAC-SHA256. */
export function sign(claims: Claims, secret: string): string {
  const input = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${hmac("sha256", secret, input)}`;
}

/** Checks a token's signature and returns its claims, or throws JwtError. */
export function verify(token: string, secret: string): AccessClaims {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("malformed token");
  const [h, p, s] = parts as [string, string, string];
  const header = parsePart(h);
  const hash = ALGORITHMS[String(header.alg)];
  if (hash === undefined) throw new JwtError(`unsupported algorithm ${String(header.alg)}`);
  const expected = hash === null ? "" : hmac(hash, secret, `${h}.${p}`);
  if (s !== expected) throw new JwtError("bad signature");
  const claims = parsePart(p);
  if (typeof claims.sub !== "string") throw new JwtError("missing claims");
  return claims as AccessClaims;
}
