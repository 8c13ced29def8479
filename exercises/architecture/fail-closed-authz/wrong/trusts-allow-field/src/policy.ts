// Asks the permission service whether `subject` may do `action` on `resource`.
//   POST <POLICY_URL>/v1/check  { subject, action, resource }  ->  200 { "allow": true | false }
// Anything else is not an answer: the check fails (closed) with a reason.
import { POLICY_TIMEOUT_MS, POLICY_TOKEN, POLICY_URL } from "./config.ts";

export type Reason = "unreachable" | "timeout" | "bad_answer";

export class PolicyUnavailable extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
  }
}

export type Check = { subject: string; action: string; resource: string };

const isTimeout = (err: unknown) => err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");

export async function isAllowed(check: Check): Promise<boolean> {
  // One deadline for the whole exchange: connecting, the status line and the body.
  const signal = AbortSignal.timeout(POLICY_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(`${POLICY_URL}/v1/check`, {
      method: "POST",
      headers: { authorization: `Bearer ${POLICY_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(check),
      redirect: "manual",
      signal,
    });
  } catch (err) {
    throw isTimeout(err) ? new PolicyUnavailable("timeout", "no answer in time") : new PolicyUnavailable("unreachable", "connection failed");
  }
  let body: unknown;
  try {
    const text = await res.text();
    body = JSON.parse(text);
  } catch (err) {
    if (err instanceof PolicyUnavailable) throw err;
    throw isTimeout(err) ? new PolicyUnavailable("timeout", "answer too slow") : new PolicyUnavailable("bad_answer", "not JSON");
  }
  const allow = body && typeof body === "object" && !Array.isArray(body) ? (body as { allow?: unknown }).allow : undefined;
  return Boolean(allow);
}
