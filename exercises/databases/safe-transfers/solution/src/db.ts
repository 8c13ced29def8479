// The database: PostgreSQL 17 compiled to WebAssembly (PGlite), running inside this process,
// in memory. Every start begins with an empty database and runs the migrations.
//
// DO NOT CHANGE THIS FILE. Run every statement through it: `db.query` / `db.exec`, and inside
// `db.transaction(async (tx) => …)` only `tx.query` / `tx.exec`. The grader reads what it
// records (GET /__stats, GET /__debug/transactions).
//
// PGlite is ONE connection to ONE PostgreSQL backend:
// - Statements from concurrent requests take turns on it, in the order they were sent. A
//   request that reads, awaits, then writes lets other requests' statements run in between.
// - `transaction()` holds the connection until its callback settles: the statements of other
//   requests wait until it commits or rolls back. A real PostgreSQL behind a connection pool
//   runs transactions side by side instead, each on its own connection; this file records
//   which rows each transaction had locked after each statement, so the grader can tell
//   whether your transfer would also be safe there.
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import { PGlite, type Transaction } from "@electric-sql/pglite";

export type Result<T> = { rows: T[]; rowCount: number };

/** What `db` and a transaction's `tx` both offer. */
export interface Queryable {
  /** One statement, with `$1, $2, …` parameters. `rowCount`: rows returned or changed. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Result<T>>;
  /** Several statements separated by `;`, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A PostgreSQL error: `code` is the SQLSTATE (23514 check_violation, 23505 unique_violation, …). */
export type PgError = Error & { code: string; constraint?: string; detail?: string; table?: string };

export function isPgError(err: unknown, code?: string): err is PgError {
  return err instanceof Error && typeof (err as PgError).code === "string" && (code === undefined || (err as PgError).code === code);
}

type Statement = { sql: string; params: unknown[]; error?: string; locked: number[] };
export type TransactionRecord = { id: number; outcome: "commit" | "rollback"; error?: string; statements: Statement[] };

/**
 * An empty database the lab made in advance: starting from a copy of it takes about a second,
 * PostgreSQL's initdb several. Where it is missing (outside the lab), PGlite runs initdb.
 */
const EMPTY_DATABASE = "/node_modules/.backlab/pglite-empty.tar.gz";
const KEEP_TRANSACTIONS = 50;
const CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|abort)\b/i;
/** The accounts rows this transaction has locked or changed so far (PostgreSQL marks them with its transaction id). */
const LOCKED_ACCOUNTS = `select id from accounts
  where xmin = xid(pg_current_xact_id_if_assigned()) or xmax = xid(pg_current_xact_id_if_assigned())
  order by id`;

export class Db implements Queryable {
  private queries = 0;
  private committed = 0;
  private rolledBack = 0;
  private nextTx = 1;
  private readonly log: TransactionRecord[] = [];
  private accountsExist = false;
  /** Set while a transaction callback runs: `db.query` from inside it would wait for itself. */
  private readonly inTransaction = new AsyncLocalStorage<number>();

  private constructor(private readonly pg: PGlite) {}

  static async open(): Promise<Db> {
    const template = fs.existsSync(EMPTY_DATABASE) ? new Blob([fs.readFileSync(EMPTY_DATABASE)], { type: "application/x-gzip" }) : undefined;
    const pg = await PGlite.create({ loadDataDir: template });
    // PGlite starts its backend with enable_seqscan=off; a real server plans with it on.
    await pg.exec("set enable_seqscan = on");
    return new Db(pg);
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Result<T>> {
    this.guard(sql, "db.query");
    this.queries++;
    return shape<T>(await this.pg.query<T>(sql, params));
  }

  async exec(sql: string): Promise<void> {
    this.guard(sql, "db.exec");
    this.queries++;
    await this.pg.exec(sql);
  }

  /**
   * Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is
   * thrown on). Use only `tx` inside. The callback has the connection to itself until it ends,
   * so keep it short: no waiting on anything but the database in there.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore() !== undefined) throw new Error("db.transaction() inside a transaction: PGlite has one connection, use the `tx` you already have");
    const record: TransactionRecord = { id: this.nextTx++, outcome: "rollback", statements: [] };
    let sawAccounts = false;
    const run = async (tx: Transaction, sql: string, params: unknown[] | null) => {
      if (CONTROL.test(sql)) throw new Error(`don't send ${sql.trim().split(/\s/)[0]!.toUpperCase()} yourself: db.transaction() begins and ends the transaction`);
      this.queries++;
      const statement: Statement = { sql, params: params ?? [], locked: [] };
      record.statements.push(statement);
      try {
        const result = params === null ? (await tx.exec(sql), null) : await tx.query(sql, params);
        if (this.accountsExist || (await tx.query<{ ok: boolean }>("select to_regclass('accounts') is not null as ok")).rows[0]?.ok) {
          sawAccounts = true;
          statement.locked = (await tx.query<{ id: number }>(LOCKED_ACCOUNTS)).rows.map((r) => Number(r.id));
        }
        return result;
      } catch (err) {
        statement.error = isPgError(err) ? `${err.code}: ${err.message}` : String(err);
        throw err;
      }
    };
    try {
      const value = await this.pg.transaction((tx) =>
        this.inTransaction.run(record.id, () =>
          fn({
            query: async <R>(sql: string, params: unknown[] = []) => shape<R>((await run(tx, sql, params)) as Awaited<ReturnType<PGlite["query"]>>),
            exec: async (sql: string) => void (await run(tx, sql, null)),
          }),
        ),
      );
      record.outcome = "commit";
      this.committed++;
      if (sawAccounts) this.accountsExist = true;
      return value;
    } catch (err) {
      record.error = isPgError(err) ? `${err.code}: ${err.message}` : String(err);
      this.rolledBack++;
      throw err;
    } finally {
      this.log.push(record);
      if (this.log.length > KEEP_TRANSACTIONS) this.log.shift();
    }
  }

  /** GET /__stats: statements run so far (the lock checks above not counted), transactions by outcome. */
  stats() {
    return { queries: this.queries, transactions: { committed: this.committed, rolled_back: this.rolledBack } };
  }

  /** The last transactions, newest last: each statement, its parameters and the accounts locked after it. */
  recentTransactions(): TransactionRecord[] {
    return this.log;
  }

  /** The accounts table as PostgreSQL describes it: column types and CHECK constraints. */
  async describeAccounts() {
    const columns = await this.pg.query<{ column_name: string; data_type: string; is_nullable: string }>(
      "select column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public' and table_name = 'accounts' order by ordinal_position",
    );
    const checks = await this.pg.query<{ name: string; definition: string }>(
      "select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = to_regclass('accounts') and contype = 'c' order by conname",
    );
    return { columns: columns.rows, checks: checks.rows };
  }

  close(): Promise<void> {
    return this.pg.close();
  }

  private guard(sql: string, via: string) {
    if (this.inTransaction.getStore() !== undefined) throw new Error(`${via}() inside db.transaction(): use tx.query / tx.exec there. PGlite has one connection and the transaction holds it, so ${via}() would wait for the transaction, which waits for ${via}(): forever`);
    if (CONTROL.test(sql)) {
      throw new Error(
        `${via}("${sql.trim().split(/\s/)[0]!.toUpperCase()}"): use db.transaction(async (tx) => …) instead. Between your statements, other requests' statements run on the same connection and would land inside your transaction (with a pool, pool.query("BEGIN") has the same flaw: the next query may go to another connection)`,
      );
    }
  }
}

function shape<T>(r: { rows: unknown[]; affectedRows?: number }): Result<T> {
  return { rows: r.rows as T[], rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
}
