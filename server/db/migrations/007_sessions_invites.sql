-- Sessions get a public id (the account page lists them), a CSRF token bound to them, and
-- an idle clock beside their absolute expiry. Sessions from before CSRF tokens end here:
-- everyone signs in once more.
DROP TABLE sessions;
CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  -- Only a hash of the session token is stored, so a leaked database opens no sessions.
  token_hash    TEXT NOT NULL UNIQUE,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token    TEXT NOT NULL,
  user_agent    TEXT,
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  expires_at    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- One-time links: the first admin's (printed at start while no admin exists) and invites an
-- admin makes. Only a hash of the token is stored; a link works once and expires.
CREATE TABLE invites (
  id          INTEGER PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('first-admin', 'invite')),
  role        TEXT NOT NULL CHECK (role IN ('admin', 'instructor', 'learner', 'candidate')),
  email       TEXT COLLATE NOCASE,
  created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used_at     TEXT,
  used_by     INTEGER REFERENCES users(id) ON DELETE SET NULL
);
