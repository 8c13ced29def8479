import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

let lab: TestLab;
let owner: Client;
let wsId: number;

beforeAll(async () => {
  lab = await startTestLab();
  owner = await Client.signup(lab.url, "owner");
  wsId = (await owner.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {})).body.workspace.id;
});
afterAll(async () => {
  await lab?.close();
});

const wsUrl = (id: number) => `${lab.url.replace("http", "ws")}/api/workspaces/${id}/terminal`;

/** Opens a terminal socket and collects what it says. */
function connect(id: number, headers: Record<string, string>) {
  const socket = new WebSocket(wsUrl(id), { headers });
  let screen = "";
  const control: Record<string, unknown>[] = [];
  socket.on("message", (data, isBinary) => {
    if (isBinary) screen += data.toString();
    else control.push(JSON.parse(data.toString()));
  });
  const until = async (pred: () => boolean, what: string) => {
    const end = Date.now() + 10_000;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen: ${JSON.stringify(screen.slice(-300))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { socket, screen: () => screen, control, until };
}

/** The status an upgrade is refused with. */
function refusal(id: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(wsUrl(id), { headers });
    s.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    s.on("open", () => reject(new Error("the upgrade was accepted")));
    s.on("error", () => {});
  });
}

describe("terminal gateway", () => {
  it("runs commands in the workspace's sandbox and resizes the terminal", async () => {
    const t = connect(wsId, { origin: lab.url, cookie: owner.cookie });
    await t.until(() => t.control.some((m) => m.type === "ready"), "ready");
    await t.until(() => /\$ $/.test(t.screen()), "a prompt");
    t.socket.send(Buffer.from("id -u; pwd; ls src\r"));
    await t.until(() => /token-bucket\.ts/.test(t.screen()), "ls output");
    expect(t.screen()).toMatch(/\b1000\r\n\/workspace\r\n/);
    t.socket.send(JSON.stringify({ type: "resize", cols: 132, rows: 43 }));
    t.socket.send(Buffer.from("stty size\r"));
    await t.until(() => /43 132/.test(t.screen()), "the new size");
    t.socket.send(JSON.stringify({ type: "ping", t: 7 }));
    await t.until(() => t.control.some((m) => m.type === "pong" && m.t === 7), "pong");
    t.socket.send(Buffer.from("exit\r"));
    await t.until(() => t.control.some((m) => m.type === "exit"), "exit");
  });

  it("refuses another origin (cross-site WebSocket hijacking) with 403", async () => {
    expect(await refusal(wsId, { origin: "https://evil.example", cookie: owner.cookie })).toBe(403);
    expect(await refusal(wsId, { cookie: owner.cookie })).toBe(403);
  });

  it("refuses a missing session with 401 and someone else's workspace with 404", async () => {
    expect(await refusal(wsId, { origin: lab.url })).toBe(401);
    const other = await Client.signup(lab.url, "intruder");
    expect(await refusal(wsId, { origin: lab.url, cookie: other.cookie })).toBe(404);
    expect(await refusal(999_999, { origin: lab.url, cookie: owner.cookie })).toBe(404);
  });

  it("closes the socket with a reason on a malformed control message, and the lab keeps serving", async () => {
    const t = connect(wsId, { origin: lab.url, cookie: owner.cookie });
    await t.until(() => t.control.some((m) => m.type === "ready"), "ready");
    const closed = new Promise<[number, string]>((r) => t.socket.on("close", (code, reason) => r([code, reason.toString()])));
    t.socket.send("{not json");
    expect(await closed).toEqual([1008, "malformed control message"]);
    const res = await fetch(`${lab.url}/api/health`);
    expect(res.status).toBe(200);
  });

  it("refuses an oversized frame", async () => {
    const t = connect(wsId, { origin: lab.url, cookie: owner.cookie });
    await t.until(() => t.control.some((m) => m.type === "ready"), "ready");
    const closed = new Promise<number>((r) => t.socket.on("close", (code) => r(code)));
    t.socket.send(Buffer.alloc(200 * 1024, 0x61));
    expect(await closed).toBe(1009);
  });
});
