-- Every terminal session is recorded (asciicast v2, gzip) for replay by its learner and,
-- later, by reviewers.
CREATE TABLE terminal_sessions (
  id            TEXT PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  started_at    TEXT NOT NULL,
  ended_at      TEXT,
  end_reason    TEXT,
  bytes         INTEGER NOT NULL DEFAULT 0,
  truncated     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX terminal_sessions_workspace ON terminal_sessions(workspace_id, started_at);
