-- Who did what: one row per privileged or sensitive action (role changes, invites, take-overs,
-- views of a candidate's name in a blind review, …). Rows are only ever appended; an actor's
-- account may be removed later, the row stays with its id cleared.
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  actor_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
  action       TEXT NOT NULL,
  target_kind  TEXT,
  target_id    TEXT,
  -- A small JSON object of facts about the action (bounded by the service).
  details      TEXT NOT NULL DEFAULT '{}',
  ip           TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_action ON audit_log(action, at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
