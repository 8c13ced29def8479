-- Personal API tokens (Authorization: Bearer). The secret is shown once; only its SHA-256 is
-- stored (it is 32 random bytes, so a slow hash adds nothing). A revoked token keeps its row
-- so the owner's list and the audit log still name it.
CREATE TABLE api_tokens (
  id            INTEGER PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  token_hash    TEXT NOT NULL UNIQUE,
  -- The first characters of the secret, so a person can tell their tokens apart.
  prefix        TEXT NOT NULL,
  scopes        TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  last_used_at  TEXT,
  last_used_ip  TEXT,
  revoked_at    TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
