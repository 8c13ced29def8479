// Configuration, read once at startup.

export const PORT = Number(process.env.PORT ?? 3000);
export const HOST = process.env.HOST ?? "127.0.0.1";

/** Authorization codes are redeemed within seconds; a minute is plenty (RFC 9700 §4.5). */
export const CODE_TTL_SECONDS = 60;
/** Access tokens are short-lived bearer credentials. */
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60;

/** OAUTH_TEST_CLOCK=1 adds POST /_test/clock, so tests can move time forward instead of sleeping. */
export const TEST_CLOCK = process.env.OAUTH_TEST_CLOCK === "1";
