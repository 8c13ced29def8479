-- Hints are revealed one at a time and remembered per learner: the page shows them again,
-- and reviewers see how much help a score needed.
CREATE TABLE hint_reveals (
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  exercise_id  TEXT NOT NULL,
  hint_index   INTEGER NOT NULL,
  revealed_at  TEXT NOT NULL,
  PRIMARY KEY (user_id, exercise_id, hint_index)
);
