import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ROOT_DIR } from "../config.ts";
import { Database } from "../db/database.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import { HIGH_WATERMARK } from "./protocol.ts";

let lab: TestLab;
let owner: Client;
let wsId: number;
let exercisesDir: string;

beforeAll(async () => {
  // Two exercises, so the per-user cap on live sandboxes can be reached.
  exercisesDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-exercises-"));
  fs.cpSync(path.join(ROOT_DIR, "exercises"), exercisesDir, { recursive: true });
  const copy = path.join(exercisesDir, "code-patterns", "token-bucket-2");
  fs.cpSync(path.join(exercisesDir, "code-patterns", "token-bucket"), copy, { recursive: true });
  fs.writeFileSync(
    path.join(copy, "exercise.yaml"),
    fs.readFileSync(path.join(copy, "exercise.yaml"), "utf8").replace("id: token-bucket", "id: token-bucket-2"),
  );
  lab = await startTestLab({ EXERCISES_DIR: exercisesDir, SANDBOX_IDLE_SECONDS: "5", SANDBOXES_PER_USER: "1" });
  owner = await Client.signup(lab.url, "owner");
  wsId = (await owner.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {})).body
    .workspace.id;
});
afterAll(async () => {
  await lab?.close();
  fs.rmSync(exercisesDir, { recursive: true, force: true });
});

const wsUrl = (id: number, query = "") => `${lab.url.replace("http", "ws")}/api/workspaces/${id}/terminal${query}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A prompt at the end of the screen (a restored screen ends with mode sequences). */
const PROMPT = new RegExp(`\\$ (?:${String.fromCharCode(27)}\\[[?\\d;]*[a-zA-Z])*$`);

/** A terminal client that records what it is sent and acknowledges output unless told not to. */
function connect(id: number, headers: Record<string, string>, opts: { ack?: boolean; query?: string } = {}) {
  const socket = new WebSocket(wsUrl(id, opts.query), { headers });
  let screen = "";
  let received = 0;
  const control: Record<string, unknown>[] = [];
  socket.on("message", (data, isBinary) => {
    if (isBinary) {
      const buf = data as Buffer;
      received += buf.length;
      screen = (screen + buf.toString()).slice(-200_000);
      if (opts.ack !== false) socket.send(JSON.stringify({ type: "ack", bytes: buf.length }));
    } else {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      control.push(msg);
      if (msg.type === "screen") screen = String(msg.data);
    }
  });
  const until = async (pred: () => boolean, what: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}; screen: ${JSON.stringify(screen.slice(-300))}`);
      await sleep(20);
    }
  };
  const closed = new Promise<[number, string]>((r) =>
    socket.on("close", (code, reason) => r([code, reason.toString()])),
  );
  const type = (text: string) => socket.send(Buffer.from(text));
  return {
    socket,
    screen: () => screen,
    received: () => received,
    control,
    until,
    closed,
    type,
    ack: (bytes: number) => socket.send(JSON.stringify({ type: "ack", bytes })),
  };
}

const ownerHeaders = () => ({ origin: lab.url, cookie: owner.cookie });

/** The status an upgrade is refused with. */
function refusal(id: number, headers: Record<string, string>, query = ""): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(wsUrl(id, query), { headers });
    s.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    s.on("open", () => reject(new Error("the upgrade was accepted")));
    s.on("error", () => {});
  });
}

describe("terminal gateway", () => {
  it("runs commands in the workspace's sandbox, resizes, answers pings", async () => {
    const t = connect(wsId, ownerHeaders());
    await t.until(() => t.control.some((m) => m.type === "ready"), "ready");
    expect(t.control[0]).toMatchObject({
      type: "ready",
      role: "owner",
      session: expect.any(String),
      cols: 80,
      rows: 24,
    });
    expect(t.control[1]).toMatchObject({ type: "screen" });
    await t.until(() => PROMPT.test(t.screen()), "a prompt");
    t.type("id -u; pwd; ls src\r");
    await t.until(() => /token-bucket\.ts/.test(t.screen()), "ls output");
    expect(t.screen()).toMatch(/\b1000\r\n\/workspace\r\n/);
    t.socket.send(JSON.stringify({ type: "resize", cols: 132, rows: 43 }));
    t.type("stty size\r");
    await t.until(() => /43 132/.test(t.screen()), "the new size");
    t.socket.send(JSON.stringify({ type: "ping", t: 7 }));
    await t.until(() => t.control.some((m) => m.type === "pong" && m.t === 7), "pong");
    t.socket.close();
    await t.closed;
  });

  it("keeps the session when the socket drops, and restores the exact screen on reattach", async () => {
    const a = connect(wsId, ownerHeaders());
    await a.until(() => PROMPT.test(a.screen()), "a prompt");
    a.type("echo shell-pid-$$; echo before-$((20+1))\r");
    await a.until(() => /before-21/.test(a.screen()), "output");
    const pid = /shell-pid-(\d+)/.exec(a.screen().replace("$$", ""))?.[1];
    a.socket.terminate(); // a network blip: no close handshake
    await sleep(100);

    const b = connect(wsId, ownerHeaders());
    await b.until(() => b.control.some((m) => m.type === "screen"), "the screen");
    expect(b.control.find((m) => m.type === "ready")?.session).toBe(a.control.find((m) => m.type === "ready")?.session);
    expect(b.screen()).toContain("before-21");
    b.type("echo shell-pid-$$\r");
    await b.until(() => (b.screen().match(/shell-pid-\d+/g) ?? []).length >= 2, "the same shell");
    expect(b.screen()).toContain(`shell-pid-${pid}`);

    // A second tab sees the same session live.
    const c = connect(wsId, ownerHeaders());
    await c.until(() => c.control.some((m) => m.type === "screen"), "the screen in a second tab");
    b.type("echo both-tabs\r");
    await c.until(() => /both-tabs\r\n/.test(c.screen()), "output in the second tab");
    b.socket.close();
    c.socket.close();
    await Promise.all([b.closed, c.closed]);
  });

  it("pauses a flood for a client that does not keep up, and Ctrl-C still works", async () => {
    const t = connect(wsId, ownerHeaders(), { ack: false });
    let drain: NodeJS.Timeout | undefined;
    try {
      await t.until(() => PROMPT.test(t.screen()), "a prompt");
      let acked = t.received();
      t.ack(acked);
      t.type("yes flood-line\r");
      await sleep(1500);
      // Let what the server already sent arrive (on a busy machine some is still in flight).
      for (let last = -1; t.received() !== last; await sleep(300)) last = t.received();
      const stalled = t.received();
      await sleep(1000);
      // Without acks the server stopped sending: the client is at most a window behind.
      expect(t.received() - stalled).toBeLessThan(64 * 1024);
      expect(stalled - acked).toBeLessThan(HIGH_WATERMARK + 64 * 1024);
      // The lab itself stays responsive meanwhile.
      const t0 = Date.now();
      expect((await fetch(`${lab.url}/api/health`)).status).toBe(200);
      expect(Date.now() - t0).toBeLessThan(2000);
      // Acknowledging lets it flow again. Everything that arrives is acknowledged as a client
      // does: a batch still in flight when the first ack went out is covered by the next.
      const resumedFrom = t.received();
      drain = setInterval(() => {
        const r = t.received();
        if (r > acked) t.ack(r - acked);
        acked = r;
      }, 20);
      await t.until(() => t.received() > resumedFrom + 100_000, "more output after acks");
      // Ctrl-C reaches the shell even while it floods.
      t.type("\x03");
      await sleep(300);
      t.type("echo stopped-$((40+2))\r");
      await t.until(() => /stopped-42/.test(t.screen()), "the prompt after Ctrl-C", 15_000);
    } finally {
      // Whatever happened above, the shell the later tests share must not be left flooding.
      if (t.socket.readyState === WebSocket.OPEN) t.type("\x03");
      await sleep(100);
      clearInterval(drain);
      t.socket.close();
      await t.closed;
    }
  });

  it("keeps serving the API and a neighbour's echo while one session floods", async () => {
    const neighbour = await Client.signup(lab.url, "neighbour");
    const nbWs = (
      await neighbour.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {})
    ).body.workspace.id;
    const nb = connect(nbWs, { origin: lab.url, cookie: neighbour.cookie });
    const t = connect(wsId, ownerHeaders());
    try {
      await nb.until(() => PROMPT.test(nb.screen()), "the neighbour's prompt", 20_000);
      await t.until(() => PROMPT.test(t.screen()), "a prompt");
      t.type("yes flood-line\r");
      await t.until(() => t.received() > 1_000_000, "the flood", 20_000);
      for (let i = 1; i <= 3; i++) {
        const floodedBefore = t.received();
        // Loose bounds: the figures are the bench's; this only says the room is not frozen.
        const health = await fetch(`${lab.url}/api/health`, { signal: AbortSignal.timeout(5000) });
        expect(health.status).toBe(200);
        nb.type(`echo neighbour-$((${i}*1000+7))\r`);
        await nb.until(() => nb.screen().includes(`neighbour-${i * 1000 + 7}\r\n`), "the neighbour's echo", 5000);
        // …while the flood still flows.
        await t.until(() => t.received() > floodedBefore + 64 * 1024, "more of the flood");
      }
    } finally {
      if (t.socket.readyState === WebSocket.OPEN) t.type("\x03");
    }
    t.type("echo calm-$((6*7))\r");
    await t.until(() => /calm-42\r\n/.test(t.screen()), "the prompt after Ctrl-C", 15_000);
    t.socket.close();
    nb.socket.close();
    await Promise.all([t.closed, nb.closed]);
  }, 60_000);

  it("lets an instructor observe read-only, enforced by the server; nobody else", async () => {
    const instructor = await Client.signup(lab.url, "instructor");
    const db = new Database(path.join(lab.dataDir, "backlab.db"));
    db.run("UPDATE users SET role = 'instructor' WHERE id = (SELECT max(id) FROM users)");
    db.close();
    const other = await Client.signup(lab.url, "stranger");
    expect(await refusal(wsId, { origin: lab.url, cookie: other.cookie }, "?mode=observe")).toBe(404);

    const me = connect(wsId, ownerHeaders());
    await me.until(() => PROMPT.test(me.screen()), "the owner's prompt");
    const watcher = connect(wsId, { origin: lab.url, cookie: instructor.cookie }, { query: "?mode=observe" });
    await watcher.until(() => watcher.control.some((m) => m.type === "ready"), "ready");
    expect(watcher.control[0]).toMatchObject({ role: "observer" });
    watcher.type("touch /workspace/observer-was-here\r");
    watcher.socket.send(JSON.stringify({ type: "resize", cols: 20, rows: 5 }));
    await watcher.until(() => watcher.control.some((m) => m.type === "error"), "the read-only notice");
    me.type("echo owner-typed; ls /workspace\r");
    await watcher.until(() => /owner-typed\r\n/.test(watcher.screen()), "the owner's output, watched");
    await me.until(() => /package\.json/.test(me.screen()), "ls");
    expect(me.screen()).not.toContain("observer-was-here");
    me.type("stty size\r");
    await me.until(() => /\r\d+ \d+\r\n/.test(me.screen().split("stty size").at(-1) ?? ""), "stty");
    expect(me.screen().split("stty size").at(-1)).not.toMatch(/\b5 20\b/);
    me.socket.close();
    watcher.socket.close();
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
    const t = connect(wsId, ownerHeaders());
    await t.until(() => t.control.some((m) => m.type === "ready"), "ready");
    t.socket.send("{not json");
    expect(await t.closed).toEqual([1008, "malformed control message"]);
    const u = connect(wsId, ownerHeaders());
    await u.until(() => u.control.some((m) => m.type === "ready"), "ready");
    u.socket.send(JSON.stringify({ type: "resize", cols: 100000, rows: 1 }));
    expect((await u.closed)[0]).toBe(1008);
    expect((await fetch(`${lab.url}/api/health`)).status).toBe(200);
  });

  it("gives each terminal tab (?term=N) its own shell in the same sandbox; N out of range is a 400", async () => {
    const a = connect(wsId, ownerHeaders());
    const b = connect(wsId, ownerHeaders(), { query: "?term=1" });
    await a.until(() => PROMPT.test(a.screen()), "the first shell");
    await b.until(() => PROMPT.test(b.screen()), "the second shell");
    expect(b.control.find((m) => m.type === "ready")!.session).not.toBe(
      a.control.find((m) => m.type === "ready")!.session,
    );
    a.type("echo $$ > /tmp/first-shell; echo one-$((1+1))\r");
    await a.until(() => /one-2\r\n/.test(a.screen()), "the first shell's output");
    b.type("test $$ != $(cat /tmp/first-shell) && echo same-sandbox-other-shell\r");
    await b.until(() => /same-sandbox-other-shell\r\n/.test(b.screen()), "the second shell sees the first's /tmp");
    expect(a.screen()).not.toMatch(/same-sandbox-other-shell\r\n/);
    a.socket.close();
    b.socket.close();
    expect(await refusal(wsId, ownerHeaders(), "?term=9")).toBe(400);
  });

  it("refuses an oversized frame", async () => {
    const t = connect(wsId, ownerHeaders());
    await t.until(() => t.control.some((m) => m.type === "ready"), "ready");
    t.socket.send(Buffer.alloc(200 * 1024, 0x61));
    expect((await t.closed)[0]).toBe(1009);
  });

  it("records the session as asciicast v2 that its owner can replay and others cannot", async () => {
    const t = connect(wsId, ownerHeaders());
    await t.until(() => PROMPT.test(t.screen()), "a prompt");
    const session = t.control.find((m) => m.type === "ready")!.session as string;
    t.socket.send(JSON.stringify({ type: "resize", cols: 90, rows: 30 }));
    t.type("echo recorded-$((3*3))\r");
    await t.until(() => /recorded-9\r\n/.test(t.screen()), "output");
    t.socket.close();
    await sleep(2500); // the recorder flushes every 2 s
    const list = await owner.json<{ recordings: { id: string }[] }>("GET", `/api/workspaces/${wsId}/recordings`);
    expect(list.body.recordings.map((r) => r.id)).toContain(session);
    const res = await owner.request("GET", `/api/recordings/${session}`);
    expect(res.headers.get("content-type")).toMatch(/application\/x-asciicast/);
    const lines = (await res.text()).trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 2, width: 80, height: 24 });
    const events = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    expect(events.some(([, code, data]) => code === "o" && data.includes("recorded-9"))).toBe(true);
    expect(events.some(([, code, data]) => code === "r" && data === "90x30")).toBe(true);
    expect(events.every(([t], i) => i === 0 || t >= events[i - 1]![0])).toBe(true);
    const other = await Client.signup(lab.url, "snoop");
    expect((await other.json("GET", `/api/recordings/${session}`)).status).toBe(404);
    expect((await other.json("GET", `/api/workspaces/${wsId}/recordings`)).status).toBe(404);
  });

  it("ends a detached idle session, starts a new one transparently, and caps live sandboxes per user", async () => {
    const t = connect(wsId, ownerHeaders());
    await t.until(() => t.control.some((m) => m.type === "ready"), "ready");
    const first = t.control.find((m) => m.type === "ready")!.session;
    // Per-user cap (1): another exercise's terminal takes the place of the detached one.
    const ws2 = (await owner.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket-2/workspace", {}))
      .body.workspace.id;
    // At the limit with every session attached: said on the socket (a browser cannot read a
    // refused upgrade), with the exercises in the way; the session it would stop stays.
    const limited = connect(ws2, ownerHeaders());
    expect((await limited.closed)[0]).toBe(4029);
    expect(limited.control).toEqual([
      {
        type: "limit",
        message: expect.stringMatching(/1 exercise has a live terminal.*continue here/),
        live: [{ exercise: "token-bucket", title: expect.any(String) }],
      },
    ]);
    t.type("echo still-here-$((4*4))\r");
    await t.until(() => /still-here-16/.test(t.screen()), "the first session still live");
    t.socket.close();
    await t.closed;
    const t2 = connect(ws2, ownerHeaders());
    await t2.until(() => t2.control.some((m) => m.type === "ready"), "the second exercise's terminal");
    t2.socket.close();
    await t2.closed;
    // Idle: 5 s with nothing attached and nothing happening ends the session.
    await sleep(8_000);
    const rows = await owner.json<{ recordings: { id: string; endReason: string | null }[] }>(
      "GET",
      `/api/workspaces/${ws2}/recordings`,
    );
    expect(rows.body.recordings[0]?.endReason).toMatch(/^idle for/);
    const again = connect(wsId, ownerHeaders());
    await again.until(() => PROMPT.test(again.screen()), "a new prompt");
    expect(again.control.find((m) => m.type === "ready")!.session).not.toBe(first);
    // The session the lab ended comes back on top of the new shell, with why it ended.
    expect(again.screen()).toMatch(/still-here-16[\s\S]*previous terminal session ended [\d:]+ UTC: you continued in/);
    // Continue here: the learner chose "continue here"; the attached session elsewhere stops, with why.
    const t3 = connect(ws2, ownerHeaders(), { query: "?evict=lru" });
    await t3.until(() => t3.control.some((m) => m.type === "ready"), "the taken-over terminal");
    const [code, reason] = await again.closed;
    expect(code).toBe(4000);
    expect(reason).toMatch(/^you continued in/);
    t3.socket.close();
  }, 40_000);
});
