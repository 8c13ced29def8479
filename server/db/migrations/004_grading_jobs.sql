-- Jobs end as `done` or `error` (the grader itself could not run); results are attested;
-- Idempotency-Key makes a retried submit return the same submission.
-- Rebuilding submissions must not cascade into results (DROP TABLE deletes its rows first):
-- backlab: foreign_keys off

CREATE TABLE submissions_new (
  id            INTEGER PRIMARY KEY,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  exercise_id   TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'error')),
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT,
  attempts      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO submissions_new (id, workspace_id, user_id, exercise_id, status, created_at, started_at, finished_at)
  SELECT id, workspace_id, user_id, exercise_id, status, created_at, started_at, finished_at FROM submissions;
DROP TABLE submissions;
ALTER TABLE submissions_new RENAME TO submissions;
CREATE INDEX submissions_user_exercise ON submissions(user_id, exercise_id);
CREATE INDEX submissions_pending ON submissions(status) WHERE status IN ('queued', 'running');

ALTER TABLE results ADD COLUMN suite_hash TEXT;
ALTER TABLE results ADD COLUMN sandbox TEXT;
ALTER TABLE results ADD COLUMN signature TEXT;

CREATE TABLE idempotency_keys (
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key            TEXT NOT NULL,
  exercise_id    TEXT NOT NULL,
  submission_id  INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (user_id, key)
);
