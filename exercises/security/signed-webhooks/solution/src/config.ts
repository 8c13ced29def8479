// Settings, read once from the environment.

/**
 * The signing secrets, separated by spaces: the current one first, then the previous one
 * while the provider rotates (both are valid during the rotation). Standard Webhooks format:
 * "whsec_" followed by the base64 of the key bytes.
 */
export const WEBHOOK_SECRETS: readonly string[] = (process.env.WEBHOOK_SECRETS ?? "")
  .split(/\s+/)
  .filter(Boolean);

/** How far webhook-timestamp may be from our clock, in seconds (past or future). */
export const TOLERANCE_SECONDS = Number(process.env.WEBHOOK_TOLERANCE_SECONDS ?? 300);
