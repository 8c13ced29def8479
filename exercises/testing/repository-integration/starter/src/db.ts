// The database: a real PostgreSQL 15 server. The lab starts one in your workspace (psql in
// the terminal reaches it too) and a fresh, empty one for every grading run; DATABASE_URL
// says where.
//
// `createDb()` is a POOL of connections, as in production: concurrent calls run side by side,
// each on a connection of its own, at READ COMMITTED. `transaction(fn)` takes one connection
// for `fn`: BEGIN, its statements, COMMIT (ROLLBACK when it throws).
//
// `onQuery` is called with every statement sent to the server (BEGIN and COMMIT included):
// count them in a test to see how many round trips a call makes.
import pg from "pg";

// bigint columns (ids) as numbers: every value here stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
}

export interface Db extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

export function createDb(opts: { url?: string; onQuery?: (sql: string) => void } = {}): Db {
  const pool = new pg.Pool({ connectionString: opts.url ?? process.env.DATABASE_URL, max: 10 });
  const run = async <T>(c: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]) => {
    opts.onQuery?.(sql);
    const r = await c.query(sql, params);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  return {
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await run(client, "BEGIN");
        const result = await fn({ query: (sql, params) => run(client, sql, params) });
        await run(client, "COMMIT");
        return result;
      } catch (err) {
        await run(client, "ROLLBACK").catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
}
