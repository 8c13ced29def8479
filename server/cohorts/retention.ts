import fs from "node:fs";
import type { AuditLog } from "../audit/service.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import { removeTree } from "../../graders/sandbox/files.ts";
import { isMounted, unmount } from "../workspaces/quota.ts";
import type { Workspaces } from "../workspaces/service.ts";

/**
 * Ended cohorts keep their members' workspaces readable for `retentionDays`; then this job
 * removes the files of the track's workspaces (scores, submissions and the audit log stay:
 * exports still work) and logs each removal. A workspace another cohort still needs, or
 * one with a live terminal, is left alone. Opening the exercise again starts from starter/.
 */
export function purgeEndedCohorts(
  deps: {
    db: Database;
    workspaces: Workspaces;
    log: Logger;
    audit: AuditLog;
    isLive: (workspaceId: number) => boolean;
  },
  retentionDays: number,
  at = Date.now(),
): { cohorts: number[]; workspaces: number[] } {
  const { db, workspaces, log } = deps;
  const cutoff = new Date(at - retentionDays * 86_400_000).toISOString();
  const due = db.all<{ id: number; name: string }>(
    "SELECT id, name FROM cohorts WHERE purged_at IS NULL AND ends_at IS NOT NULL AND ends_at <= ?",
    [cutoff],
  );
  const removed: number[] = [];
  for (const c of due) {
    const candidates = db.all<{ id: number; user_id: number; exercise_id: string }>(
      `SELECT w.id, w.user_id, w.exercise_id FROM workspaces w
         JOIN cohort_members m ON m.user_id = w.user_id AND m.cohort_id = ?
         JOIN cohort_track t ON t.cohort_id = m.cohort_id AND t.exercise_id = w.exercise_id
        WHERE w.seeded_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM cohort_members m2 JOIN cohorts c2 ON c2.id = m2.cohort_id AND c2.id <> ? AND c2.purged_at IS NULL
                            JOIN cohort_track t2 ON t2.cohort_id = c2.id AND t2.exercise_id = w.exercise_id
                           WHERE m2.user_id = w.user_id AND (c2.ends_at IS NULL OR c2.ends_at > ?))`,
      [c.id, c.id, cutoff],
    );
    const mine: number[] = [];
    for (const w of candidates) {
      if (deps.isLive(w.id)) continue;
      const dir = `${workspaces.root}/${w.id}`;
      if (isMounted(dir)) unmount(dir);
      removeTree(dir);
      fs.rmSync(`${dir}.img`, { force: true });
      // Unseeded: the next open copies starter/ afresh.
      db.run("UPDATE workspaces SET seeded_at = NULL WHERE id = ?", [w.id]);
      mine.push(w.id);
      log.info(
        { cohort: c.id, workspace: w.id, user: w.user_id, exercise: w.exercise_id },
        "retention: removed an ended cohort's workspace",
      );
    }
    db.run("UPDATE cohorts SET purged_at = ? WHERE id = ?", [new Date(at).toISOString(), c.id]);
    deps.audit.record({
      actorId: null,
      action: "cohort.retention.purge",
      target: { kind: "cohort", id: c.id },
      details: { workspaces: mine.slice(0, 200), removed: mine.length, retentionDays },
    });
    log.info({ cohort: c.id, name: c.name, workspaces: mine.length, retentionDays }, "retention: ended cohort purged");
    removed.push(...mine);
  }
  return { cohorts: due.map((c) => c.id), workspaces: removed };
}
