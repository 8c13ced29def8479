import fs from "node:fs";
import path from "node:path";
import type { Database } from "../db/database.ts";
import type { Exercise } from "../../graders/exercise/catalog.ts";
import { notFound } from "../errors.ts";
import { GRADING_UID_BASE } from "../../graders/run.ts";
import { copyTree, removeTree } from "../../graders/sandbox/files.ts";
import { adoptWorkspaceMounts, releaseMountsUnder } from "./mounts.ts";
import { mountWorkspaceImage } from "./quota.ts";

/** Host uids: one per workspace for live sandboxes, another range for grading runs. */
export const WORKSPACE_UID_BASE = 200_000;
const GRADING_UID_SPAN = 300_000;

export type Workspace = { id: number; userId: number; exerciseId: string; dir: string; uid: number };

type Row = { id: number; user_id: number; exercise_id: string; seeded_at: string | null };

export type WorkspaceOptions = {
  /** Size limit per workspace in MB (a loop-mounted ext4 image); 0 turns it off. */
  quotaMb: number;
  onWarning?: (msg: string) => void;
};

export class Workspaces {
  readonly root: string;

  private quota: boolean;

  constructor(
    private db: Database,
    dataDir: string,
    private opts: WorkspaceOptions = { quotaMb: 0 },
  ) {
    this.quota = opts.quotaMb > 0 && process.getuid?.() === 0;
    if (opts.quotaMb > 0 && !this.quota)
      opts.onWarning?.("workspace size limits need root; workspaces are plain folders");
    this.root = path.join(dataDir, "workspaces");
    fs.mkdirSync(this.root, { recursive: true });
    // Traversable but not listable: a sandbox uid can reach its own workspace, not list others.
    fs.chmodSync(this.root, 0o711);
  }

  /** Opens the user's workspace for an exercise, creating it from starter/ the first time. */
  open(userId: number, exercise: Exercise): Workspace {
    this.db.run(
      "INSERT INTO workspaces (user_id, exercise_id, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id, exercise_id) DO NOTHING",
      [userId, exercise.id, new Date().toISOString()],
    );
    const row = this.db.get<Row>("SELECT * FROM workspaces WHERE user_id = ? AND exercise_id = ?", [
      userId,
      exercise.id,
    ])!;
    const ws = this.toWorkspace(row);
    this.ensureMounted(ws);
    if (!row.seeded_at) {
      // A crash midway is redone next time.
      this.replaceFiles(ws, path.join(exercise.dir, "starter"));
      this.db.run("UPDATE workspaces SET seeded_at = ? WHERE id = ?", [new Date().toISOString(), ws.id]);
    }
    this.restoreInstructions(ws, exercise);
    return ws;
  }

  /**
   * The workspace's files become a copy of `from` (the starter, a snapshot). In place: the
   * folder may be a mounted filesystem, and a live shell keeps its working directory.
   */
  replaceFiles(ws: Workspace, from: string): void {
    for (const e of fs.readdirSync(ws.dir)) removeTree(path.join(ws.dir, e));
    copyTree(from, ws.dir, { uid: ws.uid, into: true });
  }

  /** Back to the starter (the caller keeps the old files first), instructions included. */
  reseed(ws: Workspace, exercise: Exercise): void {
    this.replaceFiles(ws, path.join(exercise.dir, "starter"));
    this.restoreInstructions(ws, exercise);
  }

  /**
   * Starters say "read README.md": the exercise's instructions are in the workspace too, put
   * back on every open when missing (delete it to get a fresh copy). Created O_EXCL|O_NOFOLLOW
   * in the lab-owned root, so a link the learner planted there is never written through.
   */
  private restoreInstructions(ws: Workspace, exercise: Exercise): void {
    const source = path.join(exercise.dir, "README.md");
    if (!fs.existsSync(source) || fs.existsSync(path.join(exercise.dir, "starter", "README.md"))) return;
    let fd: number;
    try {
      fd = fs.openSync(
        path.join(ws.dir, "README.md"),
        fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
        0o644,
      );
    } catch {
      return; // there already (or a link, or a full disk): left as it is
    }
    try {
      fs.writeSync(fd, fs.readFileSync(source));
      fs.fchownSync(fd, ws.uid, ws.uid);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Mounts the workspace's size-limited filesystem if it is not (first open, after a reboot). */
  ensureMounted(ws: Workspace): void {
    if (this.quota) {
      try {
        mountWorkspaceImage(ws.dir, `${ws.dir}.img`, this.opts.quotaMb, ws.uid);
        return;
      } catch (err) {
        this.quota = false;
        this.opts.onWarning?.(
          `workspace size limits are off: cannot loop-mount an image here (${(err as Error).message.split("\n")[0]})`,
        );
      }
    }
    if (!fs.existsSync(ws.dir)) {
      fs.mkdirSync(ws.dir, { mode: 0o700 });
      fs.chownSync(ws.dir, ws.uid, ws.uid);
    }
  }

  /**
   * At start: a crash (kill -9) left the workspace filesystems mounted. Those of existing
   * workspaces are adopted, one mount each; the rest are unmounted.
   */
  adoptMounts(): { adopted: number; released: number } {
    const ids = new Set(this.db.all<{ id: number }>("SELECT id FROM workspaces").map((r) => r.id));
    return adoptWorkspaceMounts(this.root, (id) => ids.has(id));
  }

  /**
   * On a clean stop, once no sandbox uses them: unmounts every workspace filesystem. Only
   * under `workspaces/`: the data folder may sit on a disk with mounts of the operator's own.
   */
  releaseMounts(): number {
    return releaseMountsUnder(this.root);
  }

  get(id: number): Workspace {
    const row = this.db.get<Row>("SELECT * FROM workspaces WHERE id = ?", [id]);
    if (!row) throw notFound("The workspace");
    const ws = this.toWorkspace(row);
    this.ensureMounted(ws);
    return ws;
  }

  /** Removes temporary folders a crash left behind. */
  sweep(): void {
    for (const e of fs.readdirSync(this.root)) if (e.includes(".tmp")) removeTree(path.join(this.root, e));
  }

  private toWorkspace(row: Row): Workspace {
    return {
      id: row.id,
      userId: row.user_id,
      exerciseId: row.exercise_id,
      dir: path.join(this.root, String(row.id)),
      uid: WORKSPACE_UID_BASE + row.id,
    };
  }
}

export function gradingUid(submissionId: number): number {
  return GRADING_UID_BASE + (submissionId % GRADING_UID_SPAN);
}
