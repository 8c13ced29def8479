import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Database } from "../db/database.ts";
import { Problem } from "../errors.ts";
import type { Exercise } from "../../graders/exercise/catalog.ts";
import type { Logger } from "../logger.ts";
import type { WorkspaceSandboxes } from "../workspaces/sandboxes.ts";
import type { Workspace } from "../workspaces/service.ts";
import { Recorder } from "./recorder.ts";
import { CLOSE } from "./protocol.ts";
import { TerminalSession } from "./session.ts";

export type SessionPolicy = {
  /** A session with no socket attached and no output or input for this long is ended. */
  idleMs: number;
  /** No session lives longer than this. */
  maxAgeMs: number;
  /** Live sessions (so live sandboxes) one user may have. */
  perUser: number;
};

type Live = { session: TerminalSession; workspace: Workspace };

/** How a session the lab ended (not its shell) looked at the end: shown atop the next shell. */
type Ended = { reason: string; endedAt: number; screen: string };
/** Ended screens kept in memory (each up to SCROLLBACK_LINES lines): the newest ones. */
const MAX_ENDED_KEPT = 200;

/**
 * The live terminal session of each workspace: started on the first attach, kept while
 * detached, ended by its shell, by idleness, by its maximum age, or to make room under the
 * per-user cap. Ending it releases the workspace's sandbox; opening the exercise again
 * starts a new one transparently.
 */
export class TerminalSessions {
  private live = new Map<number, Live>();
  private opening = new Map<number, Promise<TerminalSession>>();
  private culler: NodeJS.Timeout;
  private finishing = new Set<Promise<void>>();
  private endedScreens = new Map<number, Ended>();
  readonly recordingsDir: string;

  constructor(
    private deps: { db: Database; sandboxes: WorkspaceSandboxes; log: Logger; dataDir: string },
    private policy: SessionPolicy,
  ) {
    this.recordingsDir = path.join(deps.dataDir, "recordings");
    fs.mkdirSync(this.recordingsDir, { recursive: true, mode: 0o700 });
    // Sessions a crash left open are closed in the record.
    deps.db.run("UPDATE terminal_sessions SET ended_at = ?, end_reason = 'the lab restarted' WHERE ended_at IS NULL", [new Date().toISOString()]);
    this.culler = setInterval(() => this.cull(), Math.max(1000, Math.min(30_000, policy.idleMs / 4)));
    this.culler.unref();
  }

  /** Live terminal sessions. */
  get size(): number {
    return this.live.size;
  }

  /** The workspace's session, started if there is none. */
  async open(ws: Workspace, exercise: Exercise, opts: { evictOldest?: boolean } = {}): Promise<TerminalSession> {
    const existing = this.live.get(ws.id)?.session;
    if (existing) return existing;
    let p = this.opening.get(ws.id);
    if (!p) {
      p = this.start(ws, exercise, opts.evictOldest ?? false).finally(() => this.opening.delete(ws.id));
      this.opening.set(ws.id, p);
    }
    return p;
  }

  /** Ends every session (lab shutdown); resolves when their recordings are closed. */
  async closeAll(): Promise<void> {
    clearInterval(this.culler);
    // 1012 (service restart): clients reconnect by themselves and get a new shell.
    for (const { session } of [...this.live.values()]) session.close("the lab is restarting", CLOSE.restart);
    await Promise.all([...this.finishing]);
  }

  /** Ends the user's sessions (their access was revoked: account disabled, signed out everywhere). */
  closeForUser(userId: number, reason: string): number {
    const mine = [...this.live.values()].filter((l) => l.workspace.userId === userId);
    for (const { session } of mine) session.close(reason);
    return mine.length;
  }

  sessionOf(workspaceId: number): TerminalSession | undefined {
    return this.live.get(workspaceId)?.session;
  }

  private async start(ws: Workspace, exercise: Exercise, evictOldest: boolean): Promise<TerminalSession> {
    this.makeRoom(ws.userId, exercise.title, evictOldest);
    const sandbox = await this.deps.sandboxes.acquire(ws, exercise);
    const id = crypto.randomUUID();
    const size = { cols: 80, rows: 24 };
    try {
      const shell = sandbox.exec(["/bin/bash", "-i"], { tty: true, ...size });
      const recorder = new Recorder(path.join(this.recordingsDir, `${id}.cast.gz`), { width: size.cols, height: size.rows });
      this.deps.db.run("INSERT INTO terminal_sessions (id, workspace_id, user_id, started_at) VALUES (?, ?, ?, ?)", [id, ws.id, ws.userId, new Date().toISOString()]);
      const previous = this.endedScreens.get(ws.id);
      this.endedScreens.delete(ws.id);
      const preface = previous && `${previous.screen}\r\n\x1b[2m── The previous terminal session ended ${new Date(previous.endedAt).toISOString().slice(11, 16)} UTC: ${previous.reason}. Above is its screen; its recording is under Recordings. A new shell: ──\x1b[0m\r\n`;
      const session = new TerminalSession(id, shell, recorder, size, (end) => {
        this.live.delete(ws.id);
        // Ended by the lab (idle, limit, age): the learner gets the screen back, and why.
        if (end.screen && end.reason !== "the shell exited") this.keepEnded(ws.id, { reason: end.reason, endedAt: Date.now(), screen: end.screen });
        this.deps.sandboxes.release(ws.id);
        const done = recorder.close().then(() => {
          this.deps.db.run("UPDATE terminal_sessions SET ended_at = ?, end_reason = ?, bytes = ?, truncated = ? WHERE id = ?", [new Date().toISOString(), end.reason, recorder.bytes, recorder.truncated ? 1 : 0, id]);
        });
        this.finishing.add(done);
        void done.finally(() => this.finishing.delete(done));
        this.deps.log.info({ workspace: ws.id, session: id, reason: end.reason }, "terminal session ended");
      }, preface);
      this.live.set(ws.id, { session, workspace: ws });
      return session;
    } catch (err) {
      this.deps.sandboxes.release(ws.id);
      throw err;
    }
  }

  private keepEnded(workspaceId: number, ended: Ended): void {
    this.endedScreens.delete(workspaceId);
    this.endedScreens.set(workspaceId, ended);
    if (this.endedScreens.size > MAX_ENDED_KEPT) this.endedScreens.delete(this.endedScreens.keys().next().value!);
  }

  /**
   * Under the per-user cap, the user's least recently active detached session gives way; when
   * every one is attached somewhere, `evictOldest` (the learner chose "continue here") stops the
   * least recently active one, otherwise the attach is refused with the sessions in the way.
   */
  private makeRoom(userId: number, title: string, evictOldest: boolean): void {
    const mine = [...this.live.values()].filter((l) => l.workspace.userId === userId);
    if (mine.length < this.policy.perUser) return;
    const byAge = (ls: Live[]) => ls.sort((a, b) => a.session.lastActivity - b.session.lastActivity);
    const victim = byAge(mine.filter((l) => l.session.attached === 0))[0] ?? (evictOldest ? byAge(mine)[0] : undefined);
    if (!victim) {
      const n = mine.length;
      throw new Problem(
        429,
        "too-many-sandboxes",
        "Too many live sandboxes",
        `${n} exercise${n === 1 ? " has" : "s have"} a live terminal open, the most you may have at once. Close one of them, or continue here and the least recently used one stops (its files are kept).`,
        { live: byAge(mine).map((l) => l.workspace.exerciseId) },
      );
    }
    // A close reason is at most 123 bytes: the title is cut, not the sentence.
    victim.session.close(`you continued in "${title.slice(0, 40)}" (at most ${this.policy.perUser} live terminals)`);
  }

  private cull(): void {
    const now = Date.now();
    for (const { session } of [...this.live.values()]) {
      if (now - session.startedAt > this.policy.maxAgeMs) session.close("the session reached its maximum age; open the exercise again");
      else if (session.attached === 0 && now - session.lastActivity > this.policy.idleMs) session.close(`idle for ${Math.round(this.policy.idleMs / 60_000)} min with no page open (files are kept)`);
    }
  }
}
