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

/** Answers for 30 s per subject/action/resource, so a burst of requests costs one check. */
const cache = new Map<string, { until: number; answer: Promise<boolean> }>();

export function isAllowed(check: Check): Promise<boolean> {
  const key = `${check.subject}|${check.action}|${check.resource}`;
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.answer;
  const answer = ask(check);
  cache.set(key, { until: Date.now() + 30_000, answer });
  return answer;
}

async function ask(check: Check): Promise<boolean> {
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
    if (res.status !== 200) throw new PolicyUnavailable("bad_answer", `status ${res.status}`);
    body = JSON.parse(text);
  } catch (err) {
    if (err instanceof PolicyUnavailable) throw err;
    throw isTimeout(err) ? new PolicyUnavailable("timeout", "answer too slow") : new PolicyUnavailable("bad_answer", "not JSON");
  }
  const allow = body && typeof body === "object" && !Array.isArray(body) ? (body as { allow?: unknown }).allow : undefined;
  if (typeof allow !== "boolean") throw new PolicyUnavailable("bad_answer", "no boolean allow");
  return allow;
}
