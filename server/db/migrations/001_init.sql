CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL DEFAULT 'learner' CHECK (role IN ('admin', 'instructor', 'learner')),
  created_at    TEXT NOT NULL
);

-- Only a hash of the session token is stored, so a leaked database opens no sessions.
CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE workspaces (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  exercise_id  TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  UNIQUE (user_id, exercise_id)
);

CREATE TABLE submissions (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  exercise_id   TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT
);
CREATE INDEX submissions_user_exercise ON submissions(user_id, exercise_id);
CREATE INDEX submissions_pending ON submissions(status) WHERE status <> 'done';

CREATE TABLE results (
  submission_id  INTEGER PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
  status         TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
  score          REAL NOT NULL,
  max_score      REAL NOT NULL,
  duration_ms    INTEGER NOT NULL,
  body           TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
