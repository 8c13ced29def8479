import fs from "node:fs";
import path from "node:path";
import type { Exercise } from "../../graders/exercise/catalog.ts";
import { copyTree, CopyLimitError, removeTree } from "../../graders/sandbox/files.ts";
import type { Database } from "../db/database.ts";
import { notFound, Problem } from "../errors.ts";
import type { Workspace, Workspaces } from "./service.ts";
import { tarOf } from "./tar.ts";

export type SnapshotReason = "reset" | "restore";
export type Snapshot = { id: number; reason: SnapshotReason; files: number; bytes: number; createdAt: string };

type Row = {
  id: number;
  workspace_id: number;
  reason: SnapshotReason;
  files: number;
  bytes: number;
  created_at: string;
};
const toSnapshot = (r: Row): Snapshot => ({
  id: r.id,
  reason: r.reason,
  files: r.files,
  bytes: r.bytes,
  createdAt: r.created_at,
});

/** Snapshots kept per workspace; the oldest goes when a new one is made. */
export const KEEP_SNAPSHOTS = 10;

/**
 * A way back: before a workspace is reset to the starter (or a snapshot is restored over it),
 * its files are kept as a snapshot the learner can restore or download. Copied like a
 * submission (no link followed, bounded), into `DATA_DIR/workspace-snapshots/<workspace>/<id>`,
 * durable before the workspace is touched. `node_modules` folders are not kept (npm rebuilds them).
 */
export class WorkspaceSnapshots {
  private readonly root: string;

  constructor(
    private db: Database,
    dataDir: string,
    private workspaces: Workspaces,
  ) {
    this.root = path.join(dataDir, "workspace-snapshots");
    fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  list(workspaceId: number): Snapshot[] {
    return this.db
      .all<Row>("SELECT * FROM workspace_snapshots WHERE workspace_id = ? ORDER BY id DESC", [workspaceId])
      .map(toSnapshot);
  }

  /** Keeps the files, then puts the starter back. */
  reset(ws: Workspace, exercise: Exercise): Snapshot {
    const kept = this.take(ws, "reset");
    this.workspaces.reseed(ws, exercise);
    return kept;
  }

  /** Keeps the files as they are now, then puts the snapshot's back. */
  restore(ws: Workspace, snapshotId: number): Snapshot {
    const from = this.dirOf(ws.id, snapshotId);
    const kept = this.take(ws, "restore");
    this.workspaces.replaceFiles(ws, from);
    return kept;
  }

  /** The snapshot as a tar, its files under a folder named after the exercise and the snapshot. */
  archive(ws: Workspace, snapshotId: number): { name: string; tar: Buffer } {
    const name = `${ws.exerciseId}-snapshot-${snapshotId}`;
    return { name, tar: tarOf(this.dirOf(ws.id, snapshotId), name) };
  }

  private dirOf(workspaceId: number, snapshotId: number): string {
    const row = this.db.get<Row>("SELECT * FROM workspace_snapshots WHERE id = ? AND workspace_id = ?", [
      snapshotId,
      workspaceId,
    ]);
    const dir = path.join(this.root, String(workspaceId), String(snapshotId));
    if (!row || !fs.existsSync(dir)) throw notFound("The snapshot");
    return dir;
  }

  private take(ws: Workspace, reason: SnapshotReason): Snapshot {
    const parent = path.join(this.root, String(ws.id));
    fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
    const tmp = path.join(parent, `.tmp-${process.pid}-${Date.now()}`);
    let tally: { files: number; bytes: number };
    try {
      tally = copyTree(ws.dir, tmp, { skip: (rel) => /(^|\/)node_modules$/.test(rel) });
    } catch (err) {
      removeTree(tmp);
      if (err instanceof CopyLimitError)
        throw new Problem(
          413,
          "workspace-too-large",
          "Workspace too large",
          `The workspace has ${err.message}, too much to keep a snapshot of; remove generated files and try again.`,
        );
      throw err;
    }
    const row = this.db.transaction(() => {
      const r = this.db.get<Row>(
        "INSERT INTO workspace_snapshots (workspace_id, reason, files, bytes, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
        [ws.id, reason, tally.files, tally.bytes, new Date().toISOString()],
      )!;
      fs.renameSync(tmp, path.join(parent, String(r.id)));
      return r;
    });
    this.prune(ws.id);
    return toSnapshot(row);
  }

  private prune(workspaceId: number): void {
    const old = this.db.all<{ id: number }>(
      "SELECT id FROM workspace_snapshots WHERE workspace_id = ? ORDER BY id DESC LIMIT -1 OFFSET ?",
      [workspaceId, KEEP_SNAPSHOTS],
    );
    for (const { id } of old) {
      this.db.run("DELETE FROM workspace_snapshots WHERE id = ?", [id]);
      removeTree(path.join(this.root, String(workspaceId), String(id)));
    }
  }

  /** Removes copies a crash left half made. */
  sweep(): void {
    for (const ws of fs.readdirSync(this.root)) {
      const dir = path.join(this.root, ws);
      for (const e of fs.readdirSync(dir)) if (e.startsWith(".tmp-")) removeTree(path.join(dir, e));
    }
  }
}
