// Configuration, read once at startup.

/** Access tokens (JWTs) live 5 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 5 * 60;
/** Refresh tokens are good for 14 days. */
export const REFRESH_TOKEN_TTL_SECONDS = 14 * 24 * 60 * 60;

/** The HMAC key for access tokens. Falls back to a default so the service starts on a fresh laptop. */
export const JWT_SECRET = process.env.JWT_SECRET_KEY || "secret";
