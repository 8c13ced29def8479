-- Assessments (timed take-homes). A candidate account exists only inside its assessment: the
-- candidate row carries the invite (only a hash of its token), the server's clock (start,
-- deadline, extensions) and the review (decision). Names and emails are optional; reviewers
-- see the pseudonym until a decision is recorded.
CREATE TABLE assessments (
  id                    INTEGER PRIMARY KEY,
  title                 TEXT NOT NULL,
  -- JSON: [{ "id": exercise id, "runtime": runtime }]
  exercises             TEXT NOT NULL,
  duration_minutes      INTEGER NOT NULL CHECK (duration_minutes > 0),
  opens_at              TEXT NOT NULL,
  closes_at             TEXT NOT NULL,
  -- Minutes past closes_at a candidate who started in time may still work.
  slack_minutes         INTEGER NOT NULL DEFAULT 0,
  visibility            TEXT NOT NULL CHECK (visibility IN ('nothing', 'test-names', 'full')),
  feedback_submissions  INTEGER NOT NULL DEFAULT 0,
  hints_allowed         INTEGER NOT NULL DEFAULT 0,
  -- JSON: [{ "name", "description" }], each scored 1-5
  rubric                TEXT NOT NULL,
  created_by            INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at            TEXT NOT NULL
);

CREATE TABLE assessment_reviewers (
  assessment_id  INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (assessment_id, user_id)
);

-- A public link lets up to claim_limit people claim a candidate seat each.
CREATE TABLE assessment_links (
  id             INTEGER PRIMARY KEY,
  assessment_id  INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  token_hash     TEXT NOT NULL UNIQUE,
  claim_limit    INTEGER NOT NULL CHECK (claim_limit > 0),
  claims         INTEGER NOT NULL DEFAULT 0,
  expires_at     TEXT NOT NULL,
  revoked_at     TEXT,
  created_at     TEXT NOT NULL
);

CREATE TABLE assessment_candidates (
  id                INTEGER PRIMARY KEY,
  assessment_id     INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  pseudonym         TEXT NOT NULL UNIQUE,
  name              TEXT,
  email             TEXT COLLATE NOCASE,
  -- The candidate's own account, made when the link is claimed.
  user_id           INTEGER UNIQUE REFERENCES users(id) ON DELETE SET NULL,
  link_id           INTEGER REFERENCES assessment_links(id) ON DELETE SET NULL,
  token_hash        TEXT UNIQUE,
  invite_expires_at TEXT,
  invited_at        TEXT NOT NULL,
  claimed_at        TEXT,
  revoked_at        TEXT,
  started_at        TEXT,
  extra_minutes     INTEGER NOT NULL DEFAULT 0,
  time_factor       REAL NOT NULL DEFAULT 1,
  -- min(closes_at + slack, started_at + duration x factor + extra), set at start and on every extension.
  deadline_at       TEXT,
  finished_at       TEXT,
  finish_reason     TEXT CHECK (finish_reason IN ('submitted', 'deadline')),
  -- Set once every exercise's final snapshot is a durable submission.
  finalized_at      TEXT,
  decision          TEXT CHECK (decision IN ('advance', 'hold', 'reject')),
  decision_comment  TEXT,
  decided_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  decided_at        TEXT
);
CREATE INDEX assessment_candidates_assessment ON assessment_candidates(assessment_id);
CREATE INDEX assessment_candidates_running ON assessment_candidates(deadline_at) WHERE started_at IS NOT NULL AND finalized_at IS NULL;

-- Every extension of a candidate's time, for the signed record.
CREATE TABLE assessment_extensions (
  id             INTEGER PRIMARY KEY,
  candidate_id   INTEGER NOT NULL REFERENCES assessment_candidates(id) ON DELETE CASCADE,
  extra_minutes  INTEGER NOT NULL,
  time_factor    REAL NOT NULL,
  deadline_at    TEXT,
  by_user        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  at             TEXT NOT NULL
);

-- The final snapshot of each exercise, graded like any submission.
CREATE TABLE assessment_finals (
  candidate_id   INTEGER NOT NULL REFERENCES assessment_candidates(id) ON DELETE CASCADE,
  exercise_id    TEXT NOT NULL,
  submission_id  INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
  snapshot_hash  TEXT NOT NULL,
  PRIMARY KEY (candidate_id, exercise_id)
);

-- What the candidate's page reported while working (saves, pastes, focus, commands), bounded per candidate.
CREATE TABLE assessment_events (
  id            INTEGER PRIMARY KEY,
  candidate_id  INTEGER NOT NULL REFERENCES assessment_candidates(id) ON DELETE CASCADE,
  at            TEXT NOT NULL,
  kind          TEXT NOT NULL,
  exercise_id   TEXT,
  data          TEXT NOT NULL
);
CREATE INDEX assessment_events_candidate ON assessment_events(candidate_id, id);

CREATE TABLE rubric_scores (
  candidate_id  INTEGER NOT NULL REFERENCES assessment_candidates(id) ON DELETE CASCADE,
  reviewer_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  criterion     INTEGER NOT NULL,
  score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  note          TEXT,
  at            TEXT NOT NULL,
  PRIMARY KEY (candidate_id, reviewer_id, criterion)
);

-- Every change to an assessment and every view of a candidate's name.
CREATE TABLE assessment_audit (
  id             INTEGER PRIMARY KEY,
  assessment_id  INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
  candidate_id   INTEGER REFERENCES assessment_candidates(id) ON DELETE CASCADE,
  actor_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
  action         TEXT NOT NULL,
  detail         TEXT,
  at             TEXT NOT NULL
);
CREATE INDEX assessment_audit_assessment ON assessment_audit(assessment_id, id);
