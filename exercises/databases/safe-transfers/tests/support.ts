// Helpers for the hidden tests: HTTP calls to the service, the tests' own connection to its
// PostgreSQL (locks held from outside, what pg_stat_activity says) and the risk service.
import http from "node:http";
import pg from "pg";

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

/** The hidden tests' own connection to this grading's PostgreSQL: what the server says, not the service. */
export async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  return client;
}

/** Other connections of this database that wait for a lock right now. */
export async function lockWaiters(db: pg.Client): Promise<number> {
  const r = await db.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'");
  return r.rows[0].n;
}

/** Waits until `n` other connections wait for a lock (false after `ms`: they never got there). */
export function untilLockWaiters(db: pg.Client, n: number, ms = 20_000): Promise<boolean> {
  return until(async () => (await lockWaiters(db)) >= n, ms);
}

/** Whether some other transaction holds this account's row lock right now. */
export async function rowLocked(db: pg.Client, id: number): Promise<boolean> {
  await db.query("begin");
  try {
    await db.query("select id from accounts where id = $1 for update nowait", [id]);
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === "55P03") return true;
    throw err;
  } finally {
    await db.query("rollback");
  }
}

/** Polls `check` every 20 ms until it holds (false after `ms`). */
export async function until(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** Locks these accounts' rows from the tests' own connection until `release()`. */
export async function holdRows(ids: number[]): Promise<{ db: pg.Client; release: () => Promise<void> }> {
  const db = await connect();
  await db.query("begin");
  await db.query("select id from accounts where id = any($1::bigint[]) order by id for update", [ids]);
  let released: Promise<void> | undefined;
  return {
    db,
    release: () => (released ??= db.query("commit").then(() => db.end(), () => db.end())),
  };
}

/**
 * The risk service, played by the tests at RISK_URL (exercise.yaml): approves up to 1 000 000
 * cents after 25 ms, counts what it sees, and can hold its answers until told to let go.
 */
export class RiskService {
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  private held: (() => void)[] | null = null;
  private server: http.Server | undefined;

  async listen(): Promise<void> {
    const url = new URL(process.env.RISK_URL ?? "http://127.0.0.1:3999");
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", async () => {
        this.calls++;
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          if (this.held) await new Promise<void>((r) => this.held!.push(r));
          else await new Promise((r) => setTimeout(r, 25));
          let amount = Infinity;
          try {
            amount = Number(JSON.parse(body).amount_cents);
          } catch {}
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ approved: amount <= 1_000_000 }));
        } finally {
          this.inFlight--;
        }
      });
    });
    await new Promise<void>((resolve, reject) => this.server!.once("error", reject).listen(Number(url.port), url.hostname, resolve));
  }

  hold(): void {
    this.held ??= [];
  }

  letGo(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const r of waiting) r();
  }

  resetPeak(): void {
    this.maxInFlight = this.inFlight;
  }

  close(): Promise<void> {
    this.letGo();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
