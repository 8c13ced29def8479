-- Single sign-on (OpenID Connect). An identity is the provider's (issuer, subject) pair, never
-- the email: emails change and get reused. One local account may have one identity per issuer.
CREATE TABLE user_identities (
  issuer         TEXT NOT NULL,
  subject        TEXT NOT NULL,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email          TEXT,
  created_at     TEXT NOT NULL,
  last_login_at  TEXT NOT NULL,
  PRIMARY KEY (issuer, subject),
  UNIQUE (user_id, issuer)
);

-- A sign-in under way: created when the browser is sent to the provider, used up (deleted) by
-- the callback, so a replayed callback finds nothing. The browser holds a random key in a
-- cookie; only its hash is stored, so a callback from another browser matches no row.
CREATE TABLE sso_attempts (
  key_hash       TEXT PRIMARY KEY,
  state          TEXT NOT NULL,
  nonce          TEXT NOT NULL,
  code_verifier  TEXT NOT NULL,
  redirect_uri   TEXT NOT NULL,
  next_path      TEXT NOT NULL,
  -- Set when a signed-in user links the provider to their account (they proved their password).
  link_user_id   INTEGER REFERENCES users(id) ON DELETE CASCADE,
  created_at     TEXT NOT NULL,
  expires_at     TEXT NOT NULL
);
CREATE INDEX sso_attempts_expiry ON sso_attempts(expires_at);

-- A session signed in through the provider keeps its ID token, the hint that lets signing
-- out end the provider's session too (RP-initiated logout).
ALTER TABLE sessions ADD COLUMN sso_id_token TEXT;
