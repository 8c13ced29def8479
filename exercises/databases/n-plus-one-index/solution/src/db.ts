// The database: PostgreSQL 17 compiled to WebAssembly (PGlite), running inside this process,
// in memory. Every start begins with an empty database, runs the migrations and seeds it.
//
// DO NOT CHANGE THIS FILE. Run every statement through it: `db.query` / `db.exec`, and inside
// `db.transaction(async (tx) => …)` only `tx.query` / `tx.exec`. It counts the statements and,
// for every SELECT, asks PostgreSQL for the plan it chose (EXPLAIN with the same parameters),
// so you and the grader can see how each query runs: GET /__stats, GET /__debug/queries,
// GET /__debug/indexes.
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";

export type Result<T> = { rows: T[]; rowCount: number };

/** What `db` and a transaction's `tx` both offer. */
export interface Queryable {
  /** One statement, with `$1, $2, …` parameters. `rowCount`: rows returned or changed. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Result<T>>;
  /** Several statements separated by `;`, without parameters (migrations, seeds). */
  exec(sql: string): Promise<void>;
}

/** A PostgreSQL error: `code` is the SQLSTATE (23503 foreign_key_violation, 23505 unique_violation, …). */
export type PgError = Error & { code: string; constraint?: string; detail?: string };

export function isPgError(err: unknown, code?: string): err is PgError {
  return err instanceof Error && typeof (err as PgError).code === "string" && (code === undefined || (err as PgError).code === code);
}

/** One statement as the log keeps it. `plan`: PostgreSQL's EXPLAIN (FORMAT JSON) of a SELECT, else null. */
export type LoggedQuery = { seq: number; sql: string; params: unknown[]; ms: number; rows: number; error?: string; plan: unknown };

/**
 * An empty database the lab made in advance: starting from a copy of it takes about a second,
 * PostgreSQL's initdb several. Where it is missing (outside the lab), PGlite runs initdb.
 */
const EMPTY_DATABASE = "/node_modules/.backlab/pglite-empty.tar.gz";
const KEEP = 300;
const CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|abort)\b/i;
const READS = /^\s*(select|with|table|values)\b/i;

export class Db implements Queryable {
  private seq = 0;
  private readonly log: LoggedQuery[] = [];
  private readonly inTransaction = new AsyncLocalStorage<true>();

  private constructor(private readonly pg: PGlite) {}

  static async open(): Promise<Db> {
    const template = fs.existsSync(EMPTY_DATABASE) ? new Blob([fs.readFileSync(EMPTY_DATABASE)], { type: "application/x-gzip" }) : undefined;
    const pg = await PGlite.create({ loadDataDir: template });
    // PGlite starts its backend with enable_seqscan=off, which makes the planner use any
    // index it can; a real server plans with it on, and so does this one.
    await pg.exec("set enable_seqscan = on");
    return new Db(pg);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Result<T>> {
    this.guard(sql, "db.query");
    return this.run<T>((s, p) => this.pg.query(s, p), sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.guard(sql, "db.exec");
    await this.run(async (s) => (await this.pg.exec(s)).at(-1) ?? { rows: [] }, sql, null);
  }

  /** Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws. Use only `tx` inside. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) throw new Error("db.transaction() inside a transaction: PGlite has one connection, use the `tx` you already have");
    return this.pg.transaction((tx: Transaction) =>
      this.inTransaction.run(true, () =>
        fn({
          query: <R>(sql: string, params: unknown[] = []) => {
            if (CONTROL.test(sql)) throw new Error("db.transaction() begins and ends the transaction: don't send BEGIN/COMMIT/ROLLBACK yourself");
            return this.run<R>((s, p) => tx.query(s, p), sql, params);
          },
          exec: async (sql: string) => {
            if (CONTROL.test(sql)) throw new Error("db.transaction() begins and ends the transaction: don't send BEGIN/COMMIT/ROLLBACK yourself");
            await this.run(async (s) => (await tx.exec(s)).at(-1) ?? { rows: [] }, sql, null);
          },
        }),
      ),
    );
  }

  /** GET /__stats: statements run so far (the EXPLAINs this file adds are not counted). */
  stats() {
    return { queries: this.seq };
  }

  /** GET /__debug/queries: the last statements with a sequence number above `after`, oldest first. */
  queriesAfter(after: number): LoggedQuery[] {
    return this.log.filter((q) => q.seq > after);
  }

  /** GET /__debug/indexes: every index on the shop's tables, as PostgreSQL defines it. */
  async indexes() {
    const r = await this.pg.query<{ table: string; name: string; definition: string }>(
      "select tablename as table, indexname as name, indexdef as definition from pg_indexes where schemaname = 'public' order by tablename, indexname",
    );
    return r.rows;
  }

  close(): Promise<void> {
    return this.pg.close();
  }

  private async run<T>(send: (sql: string, params: unknown[]) => Promise<{ rows: unknown[]; affectedRows?: number }>, sql: string, params: unknown[] | null): Promise<Result<T>> {
    const entry: LoggedQuery = { seq: ++this.seq, sql, params: params ?? [], ms: 0, rows: 0, plan: null };
    this.log.push(entry);
    if (this.log.length > KEEP) this.log.shift();
    const started = performance.now();
    try {
      const r = await send(sql, params ?? []);
      entry.ms = Math.round((performance.now() - started) * 100) / 100;
      entry.rows = Math.max(r.affectedRows ?? 0, r.rows.length);
      // The plan PostgreSQL picks for this statement with these parameters (not executed again).
      if (params !== null && READS.test(sql)) {
        const plan = await send(`explain (format json) ${sql}`, params);
        entry.plan = (plan.rows[0] as Record<string, unknown> | undefined)?.["QUERY PLAN"] ?? null;
      }
      return { rows: r.rows as T[], rowCount: entry.rows };
    } catch (err) {
      entry.error = isPgError(err) ? `${err.code}: ${err.message}` : String(err);
      throw err;
    }
  }

  private guard(sql: string, via: string) {
    if (this.inTransaction.getStore()) throw new Error(`${via}() inside db.transaction(): use tx.query / tx.exec there. PGlite has one connection and the transaction holds it, so ${via}() would wait for it forever`);
    if (CONTROL.test(sql)) throw new Error(`${via}("${sql.trim().split(/\s/)[0]!.toUpperCase()}"): use db.transaction(async (tx) => …) instead; other requests' statements would land inside your transaction`);
  }
}
