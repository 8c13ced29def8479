import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { parseCookies, SESSION_COOKIE, type Accounts } from "../accounts/service.ts";
import type { User } from "../accounts/schema.ts";
import type { AccessPolicy } from "../access/policy.ts";
import { Problem } from "../errors.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import { ownOrigin } from "../http/guards.ts";
import type { Logger } from "../logger.ts";
import type { Workspace, Workspaces } from "../workspaces/service.ts";
import { CLOSE, MAX_CLIENT_FRAME, type ServerMessage, type TerminalRole } from "./protocol.ts";
import type { TerminalSession } from "./session.ts";
import { MAX_TERMINALS, type TerminalSessions } from "./sessions.ts";

const PATH = /^\/api\/workspaces\/(\d{1,10})\/terminal$/;

type Deps = {
  accounts: Accounts;
  workspaces: Workspaces;
  sessions: TerminalSessions;
  catalog: Catalog;
  log: Logger;
  publicUrl: string | undefined;
  policy: AccessPolicy;
  takeovers?: TakeoverGate;
};

/**
 * Take-overs (server/cohorts/): an instructor writes to a learner's shell only while the
 * learner has accepted; the gateway asks which take-over allows it and drops the socket
 * when it ends.
 */
export type TakeoverGate = {
  activeTakeover(instructorId: number, workspaceId: number): number | undefined;
  takeoverAttached(takeoverId: number): void;
  readonly takeoverEvents: { on(event: "ended", listener: (id: number) => void): unknown };
};

/**
 * Who may attach. The owner writes; `?mode=observe` attaches read-only, allowed to the owner
 * and to instructors and admins (reviewers come with assessments). Anyone else: not found.
 */
export function terminalRole(user: User, ws: Workspace, wantsObserve: boolean): TerminalRole | null {
  if (ws.userId === user.id) return wantsObserve ? "observer" : "owner";
  if (wantsObserve && (user.role === "instructor" || user.role === "admin")) return "observer";
  return null;
}

/**
 * Attaches browsers to their workspace's terminal session. The upgrade is refused unless
 * the Origin is the lab's own (no cross-site WebSocket hijacking), the session cookie is
 * valid and the user may attach; reading and writing are then the session's business.
 */
export class TerminalGateway {
  private wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME, perMessageDeflate: false });

  /** Take-over id → the instructor's writer sockets. */
  private takeoverSockets = new Map<number, Set<WebSocket>>();

  constructor(private deps: Deps) {
    deps.takeovers?.takeoverEvents.on("ended", (id) => {
      for (const s of this.takeoverSockets.get(id) ?? []) s.close(CLOSE.ended, "the take-over ended");
      this.takeoverSockets.delete(id);
    });
  }

  attach(server: Server): void {
    server.on("upgrade", (req, socket, head) => {
      this.upgrade(req, socket, head).catch((err) => {
        this.deps.log.error({ err }, "terminal upgrade failed");
        refuse(socket, 500, "Internal error");
      });
    });
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await this.deps.sessions.closeAll();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const m = PATH.exec(url.pathname);
    if (!m) return refuse(socket, 404, "Not found");
    const proto = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
    if (req.headers.origin !== ownOrigin({ protocol: proto, headers: req.headers }, this.deps.publicUrl))
      return refuse(socket, 403, "Forbidden origin");
    const user = this.deps.accounts.userForSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!user) return refuse(socket, 401, "Not signed in");
    let ws: Workspace;
    try {
      ws = this.deps.workspaces.get(Number(m[1]));
    } catch {
      return refuse(socket, 404, "Not found");
    }
    const mode = url.searchParams.get("mode");
    // `?term=N`: the workspace's shell number N (a terminal tab), each its own, same sandbox.
    const termParam = url.searchParams.get("term") ?? "0";
    if (!/^\d$/.test(termParam) || Number(termParam) >= MAX_TERMINALS)
      return refuse(socket, 400, `term must be 0-${MAX_TERMINALS - 1}`);
    const term = Number(termParam);
    // A take-over writes like the owner, and only while the learner's consent stands.
    const takeover = mode === "takeover" ? this.deps.takeovers?.activeTakeover(user.id, ws.id) : undefined;
    if (mode === "takeover" && takeover === undefined) return refuse(socket, 403, "No accepted take-over");
    const role = takeover !== undefined ? "owner" : terminalRole(user, ws, mode === "observe");
    const exercise = this.deps.catalog.exercises.get(ws.exerciseId);
    if (!role || !exercise) return refuse(socket, 404, "Not found");
    // The owner's own shell is a way into the exercise like the page and the file API.
    if (ws.userId === user.id) {
      const denied = this.deps.policy.refusal({ user, exerciseId: ws.exerciseId, use: "terminal" });
      if (denied) return refuse(socket, denied.status, denied.title);
    }

    let session: TerminalSession | undefined;
    if (takeover !== undefined) {
      session = this.deps.sessions.sessionOf(ws.id);
      if (!session) return refuse(socket, 409, "No live session to take over");
    } else if (role === "owner") {
      try {
        // `?evict=lru`: the learner chose "continue here" at their live-sandbox limit.
        session = await this.deps.sessions.open(ws, exercise, {
          evictOldest: url.searchParams.get("evict") === "lru",
          term,
        });
      } catch (err) {
        // A browser cannot read an upgrade's refusal (it sees 1006): say it on the socket.
        if (err instanceof Problem && err.status === 429) return this.tellLimit(req, socket, head, err);
        this.deps.log.error({ err, workspace: ws.id }, "sandbox start failed");
        return refuse(socket, 503, "Sandbox unavailable");
      }
    } else {
      // An observer watches what runs; it never starts a sandbox.
      session = this.deps.sessions.sessionOf(ws.id, term);
      if (!session) return refuse(socket, 409, "No live session to observe");
    }
    // The client may have gone while the sandbox started: the session stays, detached.
    if (socket.destroyed || !socket.readable || !socket.writable) return void socket.destroy();
    (req.socket as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
    const live = session;
    this.wss.handleUpgrade(req, socket, head, (client) => {
      if (takeover !== undefined) {
        const set = this.takeoverSockets.get(takeover) ?? new Set();
        set.add(client);
        this.takeoverSockets.set(takeover, set);
        client.on("close", () => set.delete(client));
        this.deps.takeovers?.takeoverAttached(takeover);
      }
      live.attach(client, role);
    });
  }

  private tellLimit(req: IncomingMessage, socket: Duplex, head: Buffer, err: Problem): void {
    if (socket.destroyed) return;
    const ids = Array.isArray(err.extra.live) ? (err.extra.live as string[]) : [];
    const live = ids.map((id) => ({ exercise: id, title: this.deps.catalog.exercises.get(id)?.title ?? id }));
    this.wss.handleUpgrade(req, socket, head, (client) => {
      const msg: ServerMessage = { type: "limit", message: err.message, live };
      client.send(JSON.stringify(msg));
      client.close(CLOSE.limit, "live sandbox limit");
    });
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
}
