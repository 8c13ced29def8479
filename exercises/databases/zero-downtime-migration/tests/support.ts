// Helpers for the hidden tests: version 1 of the service, played by the tests themselves (its
// queries, on its own connections, against this grading's database), version 2 over HTTP,
// and what the server says about lock waits (pg_stat_activity, pg_locks).
import pg from "pg";

export const BASE = (process.env.SERVICE_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
export type Answer = { status: number; body: any; text: string };

export async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(BASE + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, text };
}
export const seen = (a: Answer) => `HTTP ${a.status} ${a.text.slice(0, 400)}`;

export async function connect(app: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: app, statement_timeout: 20_000 });
  await c.connect();
  return c;
}

/** Version 1 under load: 3 connections inserting, reading and renaming customers by `name`. */
export class OldVersion {
  errors: string[] = [];
  /** Queries that succeeded; `attempts` counts the failed ones too. */
  queries = 0;
  attempts = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private clients: pg.Client[] = [];
  maxId = 1;

  async start(): Promise<void> {
    this.clients = await Promise.all([0, 1, 2].map(() => connect("customers-v1")));
    this.maxId = Number((await this.clients[0]!.query("select coalesce(max(id), 1) as m from customers")).rows[0].m);
    this.running = true;
    this.loops = this.clients.map((c, w) => this.loop(c, w));
  }

  private async loop(c: pg.Client, w: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const id = 1 + ((i * 7919 + w * 104729) % this.maxId);
      try {
        if (i % 3 === 0) {
          const r = await c.query("insert into customers (name, email) values ($1, $2) returning id", [`v1 customer ${w}-${i}`, `v1-${w}-${i}@example.com`]);
          this.maxId = Math.max(this.maxId, Number(r.rows[0].id));
        } else if (i % 3 === 1) await c.query("select id, name, email from customers where id = $1", [id]);
        else await c.query("update customers set name = $2 where id = $1", [id, `renamed ${w}-${i}`]);
        this.queries++;
      } catch (err) {
        if (this.errors.length < 20) this.errors.push((err as Error).message);
      } finally {
        this.attempts++;
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => c.end()));
  }
}

/**
 * Samples pg_locks every 20 ms: the longest time any version-1 or version-2 query has been
 * waiting for a lock, and whether the service's migration waited for a lock on
 * customers (and later stopped waiting: it gave up, lock_timeout).
 */
export class LockWatch {
  maxWaitMs = 0;
  waiter = "";
  migrationWaited = false;
  migrationGaveUp = false;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private c: pg.Client) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 20);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // One row per lock a backend waits for; waitstart (PostgreSQL 14+) is when that wait
      // began, so a query slowed by the CPU rather than by a lock does not count.
      const { rows } = await this.c.query(
        `select a.application_name as app, a.query, l.relation = 'customers'::regclass as on_customers,
                coalesce(extract(epoch from clock_timestamp() - l.waitstart) * 1000, 0)::float8 as ms
           from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where not l.granted and a.datname = current_database()`,
      );
      const migrating = rows.some((r) => r.app === "customers-v2" && r.on_customers && /^\s*(alter|create|drop)/i.test(r.query));
      if (migrating) this.migrationWaited = true;
      else if (this.migrationWaited) this.migrationGaveUp = true;
      for (const r of rows)
        if ((r.app === "customers-v1" || (r.app === "customers-v2" && !/^\s*(alter|create|drop)/i.test(r.query))) && r.ms > this.maxWaitMs) {
          this.maxWaitMs = Math.round(r.ms);
          this.waiter = `${r.app}: ${String(r.query).slice(0, 120)}`;
        }
    } catch {
      // the sampler's own query failing is not the service's fault
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
