import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { parseCookies, SESSION_COOKIE, type Accounts } from "../accounts/service.ts";
import type { Catalog } from "../exercises/catalog.ts";
import { ownOrigin } from "../http/guards.ts";
import type { Logger } from "../logger.ts";
import type { Sandbox, SandboxProcess } from "../sandbox/driver.ts";
import type { WorkspaceSandboxes } from "../workspaces/sandboxes.ts";
import type { Workspaces } from "../workspaces/service.ts";
import { ClientMessage, CLOSE, MAX_CLIENT_FRAME, type ServerMessage } from "./protocol.ts";

const PATH = /^\/api\/workspaces\/(\d{1,10})\/terminal$/;

type Deps = { accounts: Accounts; workspaces: Workspaces; sandboxes: WorkspaceSandboxes; catalog: Catalog; log: Logger; publicUrl: string | undefined };

/**
 * Attaches browsers to a shell in their workspace's sandbox. The upgrade is refused unless
 * the Origin is the lab's own (no cross-site WebSocket hijacking), the session cookie is
 * valid, and the workspace belongs to the signed-in user.
 */
export class TerminalGateway {
  private wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME, perMessageDeflate: false });
  private sessions = new Set<{ shell?: SandboxProcess; socket: WebSocket }>();

  constructor(private deps: Deps) {}

  attach(server: Server): void {
    server.on("upgrade", (req, socket, head) => {
      this.upgrade(req, socket, head).catch((err) => {
        this.deps.log.error({ err }, "terminal upgrade failed");
        refuse(socket, 500, "Internal error");
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sessions) {
      s.shell?.kill("SIGKILL");
      s.socket.terminate();
    }
    this.wss.close();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const m = PATH.exec(url.pathname);
    if (!m) return refuse(socket, 404, "Not found");
    const proto = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
    if (req.headers.origin !== ownOrigin({ protocol: proto, headers: req.headers }, this.deps.publicUrl)) return refuse(socket, 403, "Forbidden origin");
    const user = this.deps.accounts.userForSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
    if (!user) return refuse(socket, 401, "Not signed in");
    let ws;
    try {
      ws = this.deps.workspaces.get(Number(m[1]));
    } catch {
      return refuse(socket, 404, "Not found");
    }
    if (ws.userId !== user.id) return refuse(socket, 404, "Not found");
    const exercise = this.deps.catalog.exercises.get(ws.exerciseId);
    if (!exercise) return refuse(socket, 404, "Not found");

    let sandbox: Sandbox;
    try {
      sandbox = await this.deps.sandboxes.acquire(ws, exercise);
    } catch (err) {
      this.deps.log.error({ err, workspace: ws.id }, "sandbox start failed");
      return refuse(socket, 503, "Sandbox unavailable");
    }
    const workspaceId = ws.id;
    const release = () => this.deps.sandboxes.release(workspaceId);
    // The client may have gone while the sandbox started; ws then drops the socket without
    // calling back, so release here or the sandbox is never idle-stopped.
    if (socket.destroyed || !socket.readable || !socket.writable) {
      socket.destroy();
      return release();
    }
    this.wss.handleUpgrade(req, socket, head, (client) => this.run(client, sandbox, req, release));
  }

  private run(socket: WebSocket, sandbox: Sandbox, req: IncomingMessage, release: () => void): void {
    (req.socket as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
    const session: { shell?: SandboxProcess; socket: WebSocket } = { socket };
    this.sessions.add(session);
    const send = (msg: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
    };
    let shell: SandboxProcess;
    try {
      shell = sandbox.exec(["/bin/bash", "-i"], { tty: true, cols: 80, rows: 24 });
    } catch (err) {
      send({ type: "error", message: "The sandbox could not start a shell." });
      this.deps.log.error({ err }, "shell start failed");
      socket.close(CLOSE.internal, "sandbox failed");
      this.sessions.delete(session);
      release();
      return;
    }
    session.shell = shell;
    send({ type: "ready" });
    shell.onData((chunk) => {
      if (socket.readyState === socket.OPEN) socket.send(chunk, { binary: true });
    });
    void shell.wait().then((exit) => {
      send({ type: "exit", code: exit.code });
      socket.close(CLOSE.normal, "shell exited");
    });
    socket.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        shell.write(toBuffer(data));
        return;
      }
      let msg: ClientMessage;
      try {
        msg = ClientMessage.parse(JSON.parse(toBuffer(data).toString("utf8")));
      } catch {
        socket.close(CLOSE.policy, "malformed control message");
        return;
      }
      if (msg.type === "resize") shell.resize(msg.cols, msg.rows);
      else send({ type: "pong", t: msg.t });
    });
    socket.on("close", () => {
      this.sessions.delete(session);
      // The shell ends with its socket (reattach comes with the terminal issue); the
      // sandbox lives on until it has been idle for a while.
      shell.kill("SIGKILL");
      release();
    });
    socket.on("error", () => socket.terminate());
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}
