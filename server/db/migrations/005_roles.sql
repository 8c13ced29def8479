-- backlab: foreign_keys off
-- A fourth role, candidate (assessments), and accounts an admin can disable. SQLite changes
-- a CHECK only by rebuilding the table; sessions, workspaces and submissions keep their rows.
CREATE TABLE users_new (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL DEFAULT 'learner' CHECK (role IN ('admin', 'instructor', 'learner', 'candidate')),
  created_at    TEXT NOT NULL,
  disabled_at   TEXT
);
INSERT INTO users_new (id, email, display_name, password_hash, role, created_at)
  SELECT id, email, display_name, password_hash, role, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
