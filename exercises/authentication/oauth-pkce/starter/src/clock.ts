// The service's notion of "now". Every expiry check reads now() instead of Date.now(), so the
// test hook (POST /_test/clock, only with OAUTH_TEST_CLOCK=1) can move time forward.

let offsetMs = 0;

/** Milliseconds since the epoch, like Date.now(), plus however far the test hook moved time. */
export function now(): number {
  return Date.now() + offsetMs;
}

/** Moves the clock forward. Only the test hook calls this. */
export function advance(seconds: number): void {
  offsetMs += seconds * 1000;
}
