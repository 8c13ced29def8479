-- A workspace's files as they were before a reset to the starter (or before a snapshot was
-- restored over them): the files live in DATA_DIR/workspace-snapshots/<workspace>/<id>/.
CREATE TABLE workspace_snapshots (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  reason        TEXT NOT NULL CHECK (reason IN ('reset', 'restore')),
  files         INTEGER NOT NULL,
  bytes         INTEGER NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE INDEX workspace_snapshots_workspace ON workspace_snapshots(workspace_id);

-- One-time password reset links an admin makes for a user (the lab sends no mail). Only a
-- hash of the token is stored; a link works once, expires, and a newer one replaces it.
CREATE TABLE password_resets (
  id          INTEGER PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used_at     TEXT
);
CREATE INDEX password_resets_user ON password_resets(user_id);
