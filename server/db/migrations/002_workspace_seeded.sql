-- A workspace is seeded from starter/ once; a crash mid-copy leaves seeded_at NULL and the
-- next open seeds it again from scratch.
ALTER TABLE workspaces ADD COLUMN seeded_at TEXT;
UPDATE workspaces SET seeded_at = created_at;
