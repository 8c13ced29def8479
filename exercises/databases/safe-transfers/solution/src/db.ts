// The database: a real PostgreSQL 15 server of your own. The lab starts one in your workspace
// (psql in the terminal reaches it too) and a fresh, empty one for every grading;
// DATABASE_URL says where. Every start runs the migrations that are not applied yet.
//
// DO NOT CHANGE THIS FILE. Run every statement through it: `db.query` / `db.exec`, and inside
// `db.transaction(async (tx) => …)` only `tx.query` / `tx.exec`.
//
// `db` is a POOL of connections, as in production:
// - Concurrent requests run their statements side by side, each on a connection of its own,
//   at READ COMMITTED. A request that reads, awaits, then writes lets other requests commit
//   in between.
// - `transaction()` takes one connection for its callback: BEGIN, your statements, COMMIT
//   (ROLLBACK when it throws). Other transactions run at the same time on other connections
//   and wait only for the row locks yours holds (SELECT … FOR UPDATE, UPDATE).
import pg from "pg";

// bigint columns (ids, cents) as numbers: every value here stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Result<T> = { rows: T[]; rowCount: number };

/** What `db` and a transaction's `tx` both offer. */
export interface Queryable {
  /** One statement, with `$1, $2, …` parameters. `rowCount`: rows returned or changed. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Result<T>>;
  /** Several statements separated by `;`, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A PostgreSQL error: `code` is the SQLSTATE (23514 check_violation, 23505 unique_violation, 40P01 deadlock_detected, …). */
export type PgError = Error & { code: string; constraint?: string; detail?: string; table?: string };

export function isPgError(err: unknown, code?: string): err is PgError {
  return err instanceof Error && typeof (err as PgError).code === "string" && (code === undefined || (err as PgError).code === code);
}

const CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|abort)\b/i;
/** Connections of the pool: requests beyond it wait for a free one. */
const POOL_SIZE = 10;

export class Db implements Queryable {
  private queries = 0;
  private committed = 0;
  private rolledBack = 0;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(): Promise<Db> {
    if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set: the lab sets it in your workspace and for every grading");
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });
    // An idle connection the server dropped must not crash the service.
    pool.on("error", (err) => console.error("idle database connection:", err.message));
    await pool.query("select 1");
    return new Db(pool);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Result<T>> {
    this.guard(sql, "db.query");
    this.queries++;
    return shape<T>(await this.pool.query(sql, params));
  }

  async exec(sql: string): Promise<void> {
    this.guard(sql, "db.exec");
    this.queries++;
    await this.pool.query(sql);
  }

  /**
   * Runs `fn` in a transaction on a connection of its own: COMMIT when it resolves, ROLLBACK
   * when it throws (the error is thrown on). Use only `tx` inside. The transaction keeps its
   * connection and its row locks until it ends, so keep it short: no waiting on anything but
   * the database in there.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const run = async (sql: string, params: unknown[] | null) => {
      if (CONTROL.test(sql)) throw new Error(`don't send ${sql.trim().split(/\s/)[0]!.toUpperCase()} yourself: db.transaction() begins and ends the transaction`);
      this.queries++;
      return params === null ? client.query(sql) : client.query(sql, params);
    };
    let broken = false;
    try {
      await client.query("begin");
      const value = await fn({
        query: async <R>(sql: string, params: unknown[] = []) => shape<R>((await run(sql, params)) as pg.QueryResult),
        exec: async (sql: string) => void (await run(sql, null)),
      });
      await client.query("commit");
      this.committed++;
      return value;
    } catch (err) {
      this.rolledBack++;
      await client.query("rollback").catch(() => (broken = true));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** GET /__stats: statements run so far, transactions by outcome. */
  stats() {
    return { queries: this.queries, transactions: { committed: this.committed, rolled_back: this.rolledBack } };
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private guard(sql: string, via: string) {
    if (CONTROL.test(sql)) {
      throw new Error(
        `${via}("${sql.trim().split(/\s/)[0]!.toUpperCase()}"): use db.transaction(async (tx) => …) instead. ${via}() takes whichever connection of the pool is free, so the next statement may run on another connection, outside your transaction`,
      );
    }
  }
}

function shape<T>(r: pg.QueryResult): Result<T> {
  return { rows: r.rows as T[], rowCount: Math.max(r.rowCount ?? 0, r.rows.length) };
}
