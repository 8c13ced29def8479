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
import { ScreenHost } from "./screens.ts";
import { TerminalSession } from "./session.ts";

export type SessionPolicy = {
  /** A session with no socket attached and no output or input for this long is ended. */
  idleMs: number;
  /** No session lives longer than this. */
  maxAgeMs: number;
  /** Live sessions (so live sandboxes) one user may have. */
  perUser: number;
};

type Live = { session: TerminalSession; workspace: Workspace; term: number };

/** Shells one workspace may have at once (terminal tabs), all in its one sandbox. */
export const MAX_TERMINALS = 4;
/** A shell's key: its workspace and its number there (0 is the first tab). */
const keyOf = (workspaceId: number, term: number) => `${workspaceId}:${term}`;

/** How a session the lab ended (not its shell) looked at the end: shown atop the next shell. */
type Ended = { reason: string; endedAt: number; screen: Promise<string> };
/** Ended screens kept in memory (each up to SCROLLBACK_LINES lines): the newest ones. */
const MAX_ENDED_KEPT = 200;

/**
 * The live terminal session of each workspace: started on the first attach, kept while
 * detached, ended by its shell, by idleness, by its maximum age, or to make room under the
 * per-user cap. Ending it releases the workspace's sandbox; opening the exercise again
 * starts a new one transparently.
 */
export class TerminalSessions {
  private live = new Map<string, Live>();
  private opening = new Map<string, Promise<TerminalSession>>();
  private culler: NodeJS.Timeout;
  private finishing = new Set<Promise<void>>();
  private endedScreens = new Map<string, Ended>();
  /** Every session's screen model, on one worker thread (screens.ts). */
  private screens: ScreenHost;
  readonly recordingsDir: string;

  constructor(
    private deps: { db: Database; sandboxes: WorkspaceSandboxes; log: Logger; dataDir: string },
    private policy: SessionPolicy,
  ) {
    this.screens = new ScreenHost(deps.log);
    this.recordingsDir = path.join(deps.dataDir, "recordings");
    fs.mkdirSync(this.recordingsDir, { recursive: true, mode: 0o700 });
    // Sessions a crash left open are closed in the record.
    deps.db.run("UPDATE terminal_sessions SET ended_at = ?, end_reason = 'the lab restarted' WHERE ended_at IS NULL", [
      new Date().toISOString(),
    ]);
    this.culler = setInterval(() => this.cull(), Math.max(1000, Math.min(30_000, policy.idleMs / 4)));
    this.culler.unref();
  }

  /** Live terminal sessions. */
  get size(): number {
    return this.live.size;
  }

  /** The workspace's shell number `term` (0..MAX_TERMINALS-1), started if there is none. */
  async open(
    ws: Workspace,
    exercise: Exercise,
    opts: { evictOldest?: boolean; term?: number } = {},
  ): Promise<TerminalSession> {
    const term = opts.term ?? 0;
    const key = keyOf(ws.id, term);
    const existing = this.live.get(key)?.session;
    if (existing) return existing;
    let p = this.opening.get(key);
    if (!p) {
      p = this.start(ws, exercise, term, opts.evictOldest ?? false).finally(() => this.opening.delete(key));
      this.opening.set(key, p);
    }
    return p;
  }

  /** Ends every session (lab shutdown); resolves when their recordings are closed. */
  async closeAll(): Promise<void> {
    clearInterval(this.culler);
    // 1012 (service restart): clients reconnect by themselves and get a new shell.
    for (const { session } of [...this.live.values()]) session.close("the lab is restarting", CLOSE.restart);
    await Promise.all([...this.finishing]);
    await this.screens.terminate();
  }

  /** Ends the user's sessions (their access was revoked: account disabled, signed out everywhere). */
  closeForUser(userId: number, reason: string): number {
    const mine = [...this.live.values()].filter((l) => l.workspace.userId === userId);
    for (const { session } of mine) session.close(reason);
    return mine.length;
  }

  /** A live shell of the workspace (the first tab's by default), for observers and take-overs. */
  sessionOf(workspaceId: number, term = 0): TerminalSession | undefined {
    return this.live.get(keyOf(workspaceId, term))?.session;
  }

  private async start(ws: Workspace, exercise: Exercise, term: number, evictOldest: boolean): Promise<TerminalSession> {
    const key = keyOf(ws.id, term);
    // Another shell in a workspace that is live already shares its sandbox: no room needed.
    if (![...this.live.values()].some((l) => l.workspace.id === ws.id))
      this.makeRoom(ws.userId, exercise.title, evictOldest);
    // The screen worker starts while the sandbox does (the first session's only).
    this.screens.warm();
    const previous = this.endedScreens.get(key);
    this.endedScreens.delete(key);
    const previousScreen = previous && (await previous.screen);
    const sandbox = await this.deps.sandboxes.acquire(ws, exercise);
    const id = crypto.randomUUID();
    const size = { cols: 80, rows: 24 };
    try {
      const shell = sandbox.exec(["/bin/bash", "-i"], { tty: true, ...size });
      const recorder = new Recorder(path.join(this.recordingsDir, `${id}.cast.gz`), {
        width: size.cols,
        height: size.rows,
      });
      this.deps.db.run("INSERT INTO terminal_sessions (id, workspace_id, user_id, started_at) VALUES (?, ?, ?, ?)", [
        id,
        ws.id,
        ws.userId,
        new Date().toISOString(),
      ]);
      const preface =
        previous &&
        `${previousScreen}\r\n\x1b[2m── The previous terminal session ended ${new Date(previous.endedAt).toISOString().slice(11, 16)} UTC: ${previous.reason}. Above is its screen; its recording is under Recordings. A new shell: ──\x1b[0m\r\n`;
      const session = new TerminalSession(
        id,
        shell,
        recorder,
        this.screens,
        size,
        (end) => {
          this.live.delete(key);
          // Ended by the lab (idle, limit, age): the learner gets the screen back, and why.
          if (end.reason !== "the shell exited")
            this.keepEnded(key, { reason: end.reason, endedAt: Date.now(), screen: end.screen });
          this.deps.sandboxes.release(ws.id);
          const done = Promise.all([recorder.close(), end.screen]).then(() => {
            this.deps.db.run(
              "UPDATE terminal_sessions SET ended_at = ?, end_reason = ?, bytes = ?, truncated = ? WHERE id = ?",
              [new Date().toISOString(), end.reason, recorder.bytes, recorder.truncated ? 1 : 0, id],
            );
          });
          this.finishing.add(done);
          void done.finally(() => this.finishing.delete(done));
          this.deps.log.info({ workspace: ws.id, term, session: id, reason: end.reason }, "terminal session ended");
        },
        preface,
      );
      this.live.set(key, { session, workspace: ws, term });
      return session;
    } catch (err) {
      this.deps.sandboxes.release(ws.id);
      throw err;
    }
  }

  private keepEnded(key: string, ended: Ended): void {
    this.endedScreens.delete(key);
    this.endedScreens.set(key, ended);
    if (this.endedScreens.size > MAX_ENDED_KEPT) this.endedScreens.delete(this.endedScreens.keys().next().value!);
  }

  /**
   * The cap is on live sandboxes, so on workspaces (each has one, shared by its shells). Under
   * it, the user's least recently active workspace with no shell attached gives way; when every
   * one is attached somewhere, `evictOldest` (the learner chose "continue here") stops the least
   * recently active one, otherwise the attach is refused with the workspaces in the way.
   */
  private makeRoom(userId: number, title: string, evictOldest: boolean): void {
    const byWorkspace = new Map<
      number,
      { exerciseId: string; shells: Live[]; lastActivity: number; attached: number }
    >();
    for (const l of this.live.values()) {
      if (l.workspace.userId !== userId) continue;
      const w = byWorkspace.get(l.workspace.id) ?? {
        exerciseId: l.workspace.exerciseId,
        shells: [],
        lastActivity: 0,
        attached: 0,
      };
      w.shells.push(l);
      w.lastActivity = Math.max(w.lastActivity, l.session.lastActivity);
      w.attached += l.session.attached;
      byWorkspace.set(l.workspace.id, w);
    }
    const mine = [...byWorkspace.values()].sort((a, b) => a.lastActivity - b.lastActivity);
    if (mine.length < this.policy.perUser) return;
    const victim = mine.find((w) => w.attached === 0) ?? (evictOldest ? mine[0] : undefined);
    if (!victim) {
      const n = mine.length;
      throw new Problem(
        429,
        "too-many-sandboxes",
        "Too many live sandboxes",
        `${n} exercise${n === 1 ? " has" : "s have"} a live terminal open, the most you may have at once. Close one of them, or continue here and the least recently used one stops (its files are kept).`,
        { live: mine.map((w) => w.exerciseId) },
      );
    }
    // A close reason is at most 123 bytes: the title is cut, not the sentence.
    for (const l of victim.shells)
      l.session.close(`you continued in "${title.slice(0, 40)}" (at most ${this.policy.perUser} live terminals)`);
  }

  private cull(): void {
    const now = Date.now();
    for (const { session } of [...this.live.values()]) {
      if (now - session.startedAt > this.policy.maxAgeMs)
        session.close("the session reached its maximum age; open the exercise again");
      else if (session.attached === 0 && now - session.lastActivity > this.policy.idleMs)
        session.close(`idle for ${Math.round(this.policy.idleMs / 60_000)} min with no page open (files are kept)`);
    }
  }
}
