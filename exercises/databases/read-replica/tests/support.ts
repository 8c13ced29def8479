// Helpers for the hidden tests: HTTP calls as a given client, and what the servers themselves
// say (pg_stat_statements, replay positions) through the lab's control channel.
import { backing } from "/grader/control.mjs";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
export type Answer = { status: number; body: any; text: string };

export async function as(client: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(BASE + path, {
    method,
    headers: { "x-client-id": client, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, text };
}
export const seen = (a: Answer) => `HTTP ${a.status} ${a.text.slice(0, 300)}`;

let clients = 0;
export const newClient = (name: string) => `${name}-${process.pid}-${++clients}`;

/** Reads of notes (not writes, not the service's own LSN checks) each server ran since `reset()`. */
export async function noteReads(): Promise<{ primary: number; replica: number }> {
  const count = (rows: { query: string; calls: number }[]) =>
    rows.filter((r) => /^\s*select\b[\s\S]*\bfrom\s+notes\b/i.test(r.query)).reduce((n, r) => n + r.calls, 0);
  const [p, r] = await Promise.all([backing.statements({ server: "primary" }), backing.statements({ server: "replica" })]);
  return { primary: count(p), replica: count(r) };
}
export async function resetStatements(): Promise<void> {
  await Promise.all([backing.statements({ server: "primary", reset: true }), backing.statements({ server: "replica", reset: true })]);
}

const lsn = (s: string) => {
  const [hi, lo] = s.split("/");
  return BigInt(`0x${hi}`) * 2n ** 32n + BigInt(`0x${lo}`);
};
/** Until the replica has replayed everything the primary had when this was called. */
export async function replicaCaughtUp(): Promise<void> {
  const target = lsn((await backing.replication()).primaryLsn);
  for (const until = Date.now() + 20_000; Date.now() < until; ) {
    const r = await backing.replication();
    if (r.replayLsn && lsn(r.replayLsn) >= target) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error("the replica did not catch up within 20 s");
}
export { backing };
