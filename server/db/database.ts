import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

type Params = Record<string, unknown> | unknown[];

/** A small typed wrapper over better-sqlite3: all / get / run / transaction. */
export class Database {
  readonly raw: BetterSqlite3.Database;

  constructor(file: string) {
    if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
    this.raw = new BetterSqlite3(file);
    this.raw.pragma("journal_mode = WAL");
    // FULL: a commit is on disk before we answer, so an acknowledged submission survives a kill -9.
    this.raw.pragma("synchronous = FULL");
    this.raw.pragma("foreign_keys = ON");
    this.raw.pragma("busy_timeout = 5000");
  }

  all<T>(sql: string, params: Params = []): T[] {
    return this.raw.prepare(sql).all(params as never) as T[];
  }

  get<T>(sql: string, params: Params = []): T | undefined {
    return this.raw.prepare(sql).get(params as never) as T | undefined;
  }

  run(sql: string, params: Params = []): BetterSqlite3.RunResult {
    return this.raw.prepare(sql).run(params as never);
  }

  transaction<T>(fn: () => T): T {
    return this.raw.transaction(fn)();
  }

  close(): void {
    this.raw.close();
  }
}

export type Migration = { version: number; name: string; sql: string };

/** Reads `NNN_name.sql` files; duplicate or missing numbers are a programming error. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .map((f) => {
      const m = /^(\d+)_([\w-]+)\.sql$/.exec(f);
      if (!m) throw new Error(`migration file name must be NNN_name.sql: ${f}`);
      return { version: Number(m[1]), name: m[2]!, sql: fs.readFileSync(path.join(dir, f), "utf8") };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(
        `migrations must be numbered 1..n without gaps or duplicates; found ${m.version} at position ${i + 1}`,
      );
  });
  return migrations;
}

/** Applies every migration newer than the database, each in its own transaction. */
export function migrate(db: Database, migrations = readMigrations()): number {
  db.raw.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const current = db.get<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")?.v ?? 0;
  if (current > migrations.length) {
    throw new Error(
      `database is at migration ${current} but this build only knows ${migrations.length}; refusing to run an older lab on newer data`,
    );
  }
  let applied = 0;
  for (const m of migrations.filter((x) => x.version > current)) {
    // Rebuilding a parent table (SQLite's way to change a CHECK) must not cascade: DROP TABLE
    // deletes its rows first and ON DELETE CASCADE would empty the children. Such a migration
    // says so on a line of its own; keys are checked before it commits.
    const rebuild = /^-- backlab: foreign_keys off$/m.test(m.sql);
    if (rebuild) db.raw.pragma("foreign_keys = OFF");
    try {
      db.transaction(() => {
        db.raw.exec(m.sql);
        if (rebuild && db.all("PRAGMA foreign_key_check").length > 0)
          throw new Error(`migration ${m.version} leaves broken foreign keys`);
        db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      });
    } finally {
      if (rebuild) db.raw.pragma("foreign_keys = ON");
    }
    applied++;
  }
  return applied;
}

export function openDatabase(dataDir: string): Database {
  const db = new Database(path.join(dataDir, "backlab.db"));
  migrate(db);
  return db;
}
