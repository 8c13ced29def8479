// Helpers for the hidden tests: HTTP calls to the service and what its database recorded.

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");

export type Answer = { status: number; headers: Headers; body: any; text: string };

export async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(BASE + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** What the test's messages show of an answer. */
export const seen = (a: Answer) => `HTTP ${a.status} ${a.text.slice(0, 300)}`;

let owners = 0;
export async function openAccount(initialCents: number): Promise<number> {
  const a = await call("POST", "/accounts", { owner: `test-${++owners}`, initial_cents: initialCents });
  if (a.status !== 201 || typeof a.body?.id !== "number") throw new Error(`POST /accounts {"owner": …, "initial_cents": ${initialCents}} must answer 201 with the account, got ${seen(a)}`);
  return a.body.id;
}

export async function balance(id: number): Promise<number> {
  const a = await call("GET", `/accounts/${id}`);
  if (a.status !== 200 || typeof a.body?.balance_cents !== "number") throw new Error(`GET /accounts/${id} must answer 200 with balance_cents as a number, got ${seen(a)}`);
  return a.body.balance_cents;
}

export const transfer = (from: number, to: number, amount: unknown) => call("POST", "/transfers", { from_account: from, to_account: to, amount_cents: amount });

/** A problem+json answer with this status and a type ending in `slug` (when given). */
export function isProblem(a: Answer, status: number | number[], slug?: string): string | null {
  const statuses = Array.isArray(status) ? status : [status];
  if (!statuses.includes(a.status)) return `expected ${statuses.join(" or ")}, got ${seen(a)}`;
  if (!(a.headers.get("content-type") ?? "").startsWith("application/problem+json")) return `expected Content-Type application/problem+json, got ${a.headers.get("content-type")} (${seen(a)})`;
  if (a.body?.status !== a.status || typeof a.body?.title !== "string") return `a problem+json body has "status" (the HTTP status) and "title", got ${seen(a)}`;
  if (slug && !String(a.body?.type ?? "").endsWith(slug)) return `expected a problem "type" ending in "${slug}", got ${JSON.stringify(a.body?.type)}`;
  return null;
}

export type Statement = { sql: string; params: unknown[]; error?: string; locked: number[] };
export type TransactionRecord = { id: number; outcome: "commit" | "rollback"; error?: string; statements: Statement[] };

export async function transactions(): Promise<TransactionRecord[]> {
  const a = await call("GET", "/__debug/transactions");
  if (a.status !== 200 || !Array.isArray(a.body?.transactions)) throw new Error(`GET /__debug/transactions must answer 200 {"transactions": [...]} (keep src/db.ts and src/debug.ts as they are), got ${seen(a)}`);
  return a.body.transactions;
}

/** The committed transaction that locked (or changed) both accounts: the transfer's. */
export async function transferTransaction(a: number, b: number, after: number): Promise<TransactionRecord | null> {
  const all = (await transactions()).filter((t) => t.id > after && t.outcome === "commit");
  return all.reverse().find((t) => t.statements.some((s) => s.locked.includes(a)) && t.statements.some((s) => s.locked.includes(b))) ?? null;
}

export async function lastTransactionId(): Promise<number> {
  return (await transactions()).at(-1)?.id ?? 0;
}

/** The statements of a transaction as the messages show them. */
export const listing = (t: TransactionRecord) => t.statements.map((s, i) => `  ${i + 1}. ${s.sql.replace(/\s+/g, " ").trim().slice(0, 160)}  params ${JSON.stringify(s.params)}  -> locked ${JSON.stringify(s.locked)}`).join("\n");

/** UPDATE … accounts … SET balance_cents = <expr> where <expr> does not mention balance_cents: a value computed in the app. */
export function writesAbsoluteBalance(sql: string): boolean {
  const flat = sql.replace(/--[^\n]*/g, " ").replace(/\s+/g, " ");
  if (!/\bupdate\s+(?:only\s+)?(?:"?public"?\.)?"?accounts"?\b/i.test(flat)) return false;
  for (const part of flat.split(/\bset\b/i).slice(1)) {
    const clause = part.split(/\b(?:where|returning|from)\b/i)[0] ?? "";
    const m = /(?:^|,)\s*"?balance_cents"?\s*=\s*([^,]+)/i.exec(clause);
    if (m && !/\bbalance_cents\b/i.test(m[1]!)) return true;
  }
  return false;
}
