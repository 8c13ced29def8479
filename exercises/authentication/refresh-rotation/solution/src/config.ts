// Configuration, read once at startup.

/** Access tokens (JWTs) live 5 minutes: short enough that a leaked one is soon worthless. */
export const ACCESS_TOKEN_TTL_SECONDS = 5 * 60;
/** A refresh token is good for 14 days, and only once. */
export const REFRESH_TOKEN_TTL_SECONDS = 14 * 24 * 60 * 60;

/** Login throttling: this many failed attempts per account within the window → 429. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_SECONDS = 60;

/**
 * The HMAC key for access tokens. It must come from the environment and be long and random:
 * anyone who knows it can mint tokens for any user. No default: a service that cannot find
 * its secret must refuse to start, not sign with a word from a tutorial.
 */
function jwtSecret(): string {
  const secret = process.env.JWT_SECRET ?? "";
  if (Buffer.byteLength(secret) < 32) {
    throw new Error(
      "JWT_SECRET must be set to a random value of at least 32 bytes, e.g.\n" +
        "  export JWT_SECRET=$(node -e \"console.log(require('node:crypto').randomBytes(32).toString('hex'))\")",
    );
  }
  return secret;
}

export const JWT_SECRET = jwtSecret();
