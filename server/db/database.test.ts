import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Database, migrate, openDatabase, readMigrations } from "./database.ts";

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("database", () => {
  it("applies the numbered migrations once, with WAL and foreign keys on", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-"));
    const db = openDatabase(dir);
    expect(db.get<{ journal_mode: string }>("PRAGMA journal_mode")?.journal_mode).toBe("wal");
    expect(db.get<{ foreign_keys: number }>("PRAGMA foreign_keys")?.foreign_keys).toBe(1);
    const tables = db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(["users", "sessions", "workspaces", "submissions", "results"]));
    expect(migrate(db)).toBe(0);
    expect(() => db.run("INSERT INTO workspaces (user_id, exercise_id, created_at) VALUES (999, 'x', 'now')")).toThrow(
      /FOREIGN KEY/,
    );
    db.close();
  });

  it("rebuilds the users table for the candidate role without cascading into sessions or workspaces", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-"));
    const db = new Database(path.join(dir, "x.db"));
    const all = readMigrations();
    migrate(db, all.slice(0, 4));
    db.run(
      "INSERT INTO users (id, email, display_name, password_hash, role, created_at) VALUES (1, 'a@b.test', 'A', 'h', 'admin', 'now')",
    );
    db.run("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('t', 1, 'now', 'later')");
    db.run("INSERT INTO workspaces (user_id, exercise_id, created_at) VALUES (1, 'x', 'now')");
    expect(() => db.run("UPDATE users SET role = 'candidate' WHERE id = 1")).toThrow(/CHECK/);
    migrate(db, all.slice(0, 5));
    expect(db.get("SELECT count(*) AS n FROM sessions")).toEqual({ n: 1 });
    expect(db.get("SELECT count(*) AS n FROM workspaces")).toEqual({ n: 1 });
    expect(db.get<{ foreign_keys: number }>("PRAGMA foreign_keys")?.foreign_keys).toBe(1);
    db.run("UPDATE users SET role = 'candidate' WHERE id = 1");
    expect(() => db.run("UPDATE users SET role = 'root' WHERE id = 1")).toThrow(/CHECK/);
    // The children still point at the rebuilt table: deleting the user cascades.
    migrate(db, all);
    db.run("DELETE FROM users WHERE id = 1");
    expect(db.get("SELECT count(*) AS n FROM workspaces")).toEqual({ n: 0 });
    db.close();
  });

  it("rebuilds submissions for job states without deleting their results", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-"));
    const db = new Database(path.join(dir, "x.db"));
    const all = readMigrations();
    migrate(db, all.slice(0, 3));
    db.run(
      "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES (1, 'a@b.test', 'A', 'h', 'now')",
    );
    db.run("INSERT INTO workspaces (id, user_id, exercise_id, created_at) VALUES (1, 1, 'x', 'now')");
    db.run(
      "INSERT INTO submissions (id, workspace_id, user_id, exercise_id, status, created_at) VALUES (1, 1, 1, 'x', 'done', 'now')",
    );
    db.run(
      "INSERT INTO results (submission_id, status, score, max_score, duration_ms, body, created_at) VALUES (1, 'pass', 1, 1, 5, '{}', 'now')",
    );
    migrate(db, all);
    expect(db.get("SELECT count(*) AS n FROM results")).toEqual({ n: 1 });
    expect(db.get("SELECT status FROM submissions WHERE id = 1")).toEqual({ status: "done" });
    db.close();
  });

  it("refuses migrations with a gap or a duplicate number", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-"));
    fs.writeFileSync(path.join(dir, "001_a.sql"), "SELECT 1;");
    fs.writeFileSync(path.join(dir, "003_c.sql"), "SELECT 1;");
    expect(() => readMigrations(dir)).toThrow(/without gaps or duplicates/);
    fs.writeFileSync(path.join(dir, "001_b.sql"), "SELECT 1;");
    expect(() => readMigrations(dir)).toThrow(/without gaps or duplicates/);
  });

  it("rolls back a failing migration and refuses a database newer than the code", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-"));
    const db = new Database(path.join(dir, "x.db"));
    expect(() =>
      migrate(db, [
        { version: 1, name: "ok", sql: "CREATE TABLE a (x);" },
        { version: 2, name: "bad", sql: "CREATE TABLE b (x); nonsense;" },
      ]),
    ).toThrow();
    expect(db.all("SELECT name FROM sqlite_master WHERE name = 'b'")).toEqual([]);
    expect(db.get<{ v: number }>("SELECT max(version) AS v FROM schema_migrations")?.v).toBe(1);
    expect(() => migrate(db, [])).toThrow(/newer data/);
    db.close();
  });
});
