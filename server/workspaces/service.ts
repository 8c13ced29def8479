import fs from "node:fs";
import path from "node:path";
import type { Database } from "../db/database.ts";
import type { Exercise } from "../exercises/catalog.ts";
import { notFound } from "../errors.ts";
import { copyTree, removeTree } from "./files.ts";

/** Host uids: one per workspace for live sandboxes, another range for grading runs. */
export const WORKSPACE_UID_BASE = 200_000;
export const GRADING_UID_BASE = 600_000;
const GRADING_UID_SPAN = 300_000;

export type Workspace = { id: number; userId: number; exerciseId: string; dir: string; uid: number };

type Row = { id: number; user_id: number; exercise_id: string };

export class Workspaces {
  readonly root: string;

  constructor(private db: Database, dataDir: string) {
    this.root = path.join(dataDir, "workspaces");
    fs.mkdirSync(this.root, { recursive: true });
    // Traversable but not listable: a sandbox uid can reach its own workspace, not list others.
    fs.chmodSync(this.root, 0o711);
  }

  /** Opens the user's workspace for an exercise, creating it from starter/ the first time. */
  open(userId: number, exercise: Exercise): Workspace {
    this.db.run("INSERT INTO workspaces (user_id, exercise_id, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id, exercise_id) DO NOTHING", [userId, exercise.id, new Date().toISOString()]);
    const row = this.db.get<Row>("SELECT * FROM workspaces WHERE user_id = ? AND exercise_id = ?", [userId, exercise.id])!;
    const ws = this.toWorkspace(row);
    if (!fs.existsSync(ws.dir)) {
      const tmp = `${ws.dir}.tmp-${process.pid}-${Date.now()}`;
      copyTree(path.join(exercise.dir, "starter"), tmp, { uid: ws.uid });
      fs.chmodSync(tmp, 0o700);
      fs.renameSync(tmp, ws.dir);
    }
    return ws;
  }

  get(id: number): Workspace {
    const row = this.db.get<Row>("SELECT * FROM workspaces WHERE id = ?", [id]);
    if (!row) throw notFound("The workspace");
    return this.toWorkspace(row);
  }

  /** Removes temporary folders a crash left behind. */
  sweep(): void {
    for (const e of fs.readdirSync(this.root)) if (e.includes(".tmp-")) removeTree(path.join(this.root, e));
  }

  private toWorkspace(row: Row): Workspace {
    return { id: row.id, userId: row.user_id, exerciseId: row.exercise_id, dir: path.join(this.root, String(row.id)), uid: WORKSPACE_UID_BASE + row.id };
  }
}

export function gradingUid(submissionId: number): number {
  return GRADING_UID_BASE + (submissionId % GRADING_UID_SPAN);
}
