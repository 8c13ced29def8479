// Settings, read once from the environment.

/** The permission service: POST <POLICY_URL>/v1/check. */
export const POLICY_URL = (process.env.POLICY_URL ?? "http://127.0.0.1:41600").replace(/\/+$/, "");
/** This service's credential for the permission service. A secret: never log it. */
export const POLICY_TOKEN = process.env.POLICY_TOKEN ?? "";
/** How long one permission check may take, answer included, in milliseconds. */
export const POLICY_TIMEOUT_MS = Number(process.env.POLICY_TIMEOUT_MS ?? 2500);
