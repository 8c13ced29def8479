-- Workshops: a cohort runs a track (an ordered list of exercises) with pacing, members who
-- join by a short code or a one-time invite, raised hands, broadcasts and take-overs.
CREATE TABLE cohorts (
  id                   INTEGER PRIMARY KEY,
  owner_id             INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name                 TEXT NOT NULL,
  description          TEXT NOT NULL DEFAULT '',
  starts_at            TEXT,
  ends_at              TEXT,
  seats                INTEGER NOT NULL,
  hints                INTEGER NOT NULL DEFAULT 1,
  solution             TEXT NOT NULL DEFAULT 'after_pass' CHECK (solution IN ('never', 'after_pass', 'after_end')),
  leaderboard          TEXT NOT NULL DEFAULT 'off' CHECK (leaderboard IN ('off', 'names', 'pseudonyms')),
  -- A short code for the join link; NULL when joining by link is off.
  join_code            TEXT UNIQUE,
  join_code_expires_at TEXT,
  created_at           TEXT NOT NULL,
  -- Set by the retention job once the ended cohort's workspaces are removed.
  purged_at            TEXT
);

CREATE TABLE cohort_instructors (
  cohort_id  INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_instructors_user ON cohort_instructors(user_id);

-- unlocked_at: unlocked by hand (or a schedule that came due); unlock_at: a scheduled unlock.
CREATE TABLE cohort_track (
  cohort_id    INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  exercise_id  TEXT NOT NULL,
  unlocked_at  TEXT,
  unlock_at    TEXT,
  PRIMARY KEY (cohort_id, exercise_id)
);
CREATE INDEX cohort_track_exercise ON cohort_track(exercise_id);

CREATE TABLE cohort_members (
  cohort_id  INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  joined_at  TEXT NOT NULL,
  pseudonym  TEXT NOT NULL,
  PRIMARY KEY (cohort_id, user_id)
);
CREATE INDEX cohort_members_user ON cohort_members(user_id);

-- One-time invites for named people; only a hash of the token is stored.
CREATE TABLE cohort_invites (
  id          INTEGER PRIMARY KEY,
  cohort_id   INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  email       TEXT NOT NULL COLLATE NOCASE,
  token_hash  TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used_at     TEXT,
  used_by     INTEGER REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE cohort_broadcasts (
  id          INTEGER PRIMARY KEY,
  cohort_id   INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  author_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
  body        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX cohort_broadcasts_cohort ON cohort_broadcasts(cohort_id, id);

CREATE TABLE cohort_hands (
  id               INTEGER PRIMARY KEY,
  cohort_id        INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  exercise_id      TEXT,
  message          TEXT NOT NULL DEFAULT '',
  raised_at        TEXT NOT NULL,
  acknowledged_at  TEXT,
  acknowledged_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  resolved_at      TEXT,
  resolved_by      INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX cohort_hands_open ON cohort_hands(cohort_id) WHERE resolved_at IS NULL;

CREATE TABLE cohort_takeovers (
  id             INTEGER PRIMARY KEY,
  cohort_id      INTEGER NOT NULL REFERENCES cohorts(id) ON DELETE CASCADE,
  workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  instructor_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  learner_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  requested_at   TEXT NOT NULL,
  answered_at    TEXT,
  accepted       INTEGER,
  ended_at       TEXT,
  ended_by       INTEGER REFERENCES users(id) ON DELETE SET NULL
);
