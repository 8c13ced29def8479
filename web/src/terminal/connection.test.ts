import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ACK_DELAY_MS,
  PING_MS,
  STABLE_MS,
  TerminalConnection,
  backoffDelay,
  type SocketLike,
  type TerminalSink,
} from "./connection.ts";
import { ACK_EVERY } from "./protocol.ts";

class FakeSocket implements SocketLike {
  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  sent: (string | Uint8Array)[] = [];
  closedWith: number | undefined;
  constructor(readonly url: string) {}
  send(data: string | Uint8Array) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // server side
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  text(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent);
  }
  binary(n: number) {
    this.onmessage?.({ data: new ArrayBuffer(n) } as MessageEvent);
  }
  ready(role: "owner" | "observer" = "owner") {
    this.text({ type: "ready", session: "s1", role, cols: 80, rows: 24 });
  }
  serverClose(code: number, reason = "") {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
  json() {
    return this.sent
      .filter((s): s is string => typeof s === "string")
      .map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

function setup(random = () => 0) {
  const sockets: FakeSocket[] = [];
  const rendered: (() => void)[] = [];
  const sink: TerminalSink & { screens: string[]; errors: string[] } = {
    screens: [],
    errors: [],
    ready: vi.fn(),
    screen(data) {
      this.screens.push(data);
    },
    output(_data, done) {
      rendered.push(done);
    },
    serverError(message) {
      this.errors.push(message);
    },
  };
  const states: string[] = [];
  const conn = new TerminalConnection("ws://lab/api/workspaces/1/terminal", sink, {
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    random,
    onStatus: (s) => states.push(s.state),
  });
  const last = () => sockets[sockets.length - 1]!;
  return { conn, sockets, last, sink, rendered, states };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("TerminalConnection", () => {
  it("connects, restores the screen and acknowledges rendered output", () => {
    const { conn, last, sink, rendered, states } = setup();
    conn.start();
    expect(conn.getStatus().state).toBe("connecting");
    last().open();
    last().ready();
    last().text({ type: "screen", data: "hello" });
    expect(states).toEqual(["connected"]);
    expect(sink.screens).toEqual(["hello"]);

    // Nothing is acked before xterm has parsed it.
    last().binary(20_000);
    last().binary(20_000);
    expect(
      last()
        .json()
        .filter((m) => m.type === "ack"),
    ).toEqual([]);
    rendered[0]!();
    vi.advanceTimersByTime(ACK_DELAY_MS - 1);
    expect(
      last()
        .json()
        .filter((m) => m.type === "ack"),
    ).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(
      last()
        .json()
        .filter((m) => m.type === "ack"),
    ).toEqual([{ type: "ack", bytes: 20_000 }]);

    // At ACK_EVERY the ack goes at once.
    last().binary(ACK_EVERY);
    rendered[1]!();
    rendered[2]!();
    expect(
      last()
        .json()
        .filter((m) => m.type === "ack"),
    ).toEqual([
      { type: "ack", bytes: 20_000 },
      { type: "ack", bytes: 20_000 + ACK_EVERY },
    ]);
  });

  it("reconnects with backoff, never acks the old socket's output on the new one", () => {
    const { conn, sockets, last, rendered, states } = setup(() => 0);
    conn.start();
    last().open();
    last().ready();
    last().binary(1000);
    last().serverClose(1006);
    expect(conn.getStatus()).toMatchObject({ state: "reconnecting", role: "owner" });
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    last().serverClose(1006); // failed attempt: 1 s next
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    last().open();
    last().ready();
    rendered[0]!(); // the first socket's bytes, parsed late
    vi.advanceTimersByTime(ACK_DELAY_MS * 2);
    expect(
      last()
        .json()
        .filter((m) => m.type === "ack"),
    ).toEqual([]);
    expect(states).toEqual(["connected", "reconnecting", "connected"]);
  });

  it("resets the backoff after a stable connection and caps it at 10 s", () => {
    expect([0, 1, 2, 3, 4, 5, 10, 50].map((a) => backoffDelay(a, () => 0))).toEqual([
      500, 1000, 2000, 4000, 8000, 10000, 10000, 10000,
    ]);
    expect(backoffDelay(0, () => 1)).toBe(375);
    const { conn, sockets, last } = setup();
    conn.start();
    last().serverClose(1006);
    vi.advanceTimersByTime(500);
    last().serverClose(1006);
    vi.advanceTimersByTime(1000);
    last().open();
    last().ready();
    vi.advanceTimersByTime(STABLE_MS);
    last().serverClose(1001);
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(4);
  });

  it.each([
    [1000, "ended"],
    [1008, "ended"],
    [4000, "ended"],
    [1009, "error"],
  ])("close %i is final (%s) until restart()", (code, state) => {
    const { conn, sockets, last } = setup();
    conn.start();
    last().open();
    last().ready();
    last().serverClose(code, "idle for 30 minutes");
    expect(conn.getStatus()).toEqual({ state, reason: "idle for 30 minutes", role: "owner" });
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    conn.restart();
    expect(conn.getStatus().state).toBe("connecting");
    expect(sockets).toHaveLength(2);
  });

  it("at the live-sandbox limit (limit + 4029) ends with what to do; continue-here asks once, reconnects plainly after", () => {
    const { conn, sockets, last } = setup();
    conn.start();
    last().open();
    last().text({
      type: "limit",
      message: "2 exercises have a live terminal open.",
      live: [
        { exercise: "a", title: "A" },
        { exercise: "b", title: "B" },
      ],
    });
    last().serverClose(4029, "live sandbox limit");
    expect(conn.getStatus()).toEqual({
      state: "ended",
      reason: "2 exercises have a live terminal open.",
      role: null,
      limit: [
        { exercise: "a", title: "A" },
        { exercise: "b", title: "B" },
      ],
    });
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    conn.restart({ evictOldest: true });
    expect(last().url).toBe("ws://lab/api/workspaces/1/terminal?evict=lru");
    last().open();
    last().ready();
    expect(conn.getStatus()).toEqual({ state: "connected", reason: null, role: "owner" });
    last().serverClose(1006);
    vi.advanceTimersByTime(20_000);
    expect(last().url).toBe("ws://lab/api/workspaces/1/terminal");
  });

  it("reconnects on 1011", () => {
    const { conn, last } = setup();
    conn.start();
    last().open();
    last().serverClose(1011, "boom");
    expect(conn.getStatus()).toMatchObject({ state: "reconnecting", reason: "Server error: boom." });
  });

  it("reconnects on 1012, saying the lab is restarting", () => {
    const { conn, sockets, last } = setup();
    conn.start();
    last().open();
    last().ready();
    last().serverClose(1012, "the lab is restarting");
    expect(conn.getStatus()).toMatchObject({ state: "reconnecting", reason: "The lab is restarting." });
    vi.advanceTimersByTime(60_000);
    expect(sockets.length).toBeGreaterThan(1);
  });

  it("exit ends the session; the following close does not reconnect; errors are not fatal", () => {
    const { conn, sockets, last, sink } = setup();
    conn.start();
    last().open();
    last().ready();
    last().text({ type: "error", message: "careful" });
    expect(sink.errors).toEqual(["careful"]);
    expect(conn.getStatus().state).toBe("connected");
    last().text({ type: "exit", code: 130 });
    expect(conn.getStatus()).toMatchObject({ state: "ended", reason: "The shell exited with code 130." });
    last().serverClose(1000);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(conn.getStatus().reason).toBe("The shell exited with code 130.");
  });

  it("sends input in bounded frames, resizes only when the size changes, and nothing as an observer", () => {
    const { conn, last } = setup();
    conn.start();
    last().open();
    conn.sendInput("early"); // before ready: dropped
    last().ready();
    conn.sendInput("ls\r");
    conn.sendInput(new Uint8Array(40_000));
    const bins = last().sent.filter((s): s is Uint8Array => typeof s !== "string");
    expect(new TextDecoder().decode(bins[0])).toBe("ls\r");
    expect(bins.slice(1).map((b) => b.byteLength)).toEqual([16384, 16384, 7232]);
    conn.resize(80, 24); // the server's own size
    conn.resize(100, 30);
    conn.resize(100, 30);
    expect(
      last()
        .json()
        .filter((m) => m.type === "resize"),
    ).toEqual([{ type: "resize", cols: 100, rows: 30 }]);

    const obs = setup();
    obs.conn.start();
    obs.last().open();
    obs.last().ready("observer");
    obs.conn.sendInput("rm -rf /\r");
    obs.conn.resize(100, 30);
    expect(obs.last().sent).toEqual([]);
    expect(obs.conn.getStatus().role).toBe("observer");
  });

  it("pings every 25 s and drops a connection that stopped answering", () => {
    const { conn, sockets, last } = setup();
    conn.start();
    last().open();
    last().ready();
    vi.advanceTimersByTime(PING_MS);
    expect(
      last()
        .json()
        .filter((m) => m.type === "ping"),
    ).toHaveLength(1);
    last().text({ type: "pong", t: Date.now() });
    vi.advanceTimersByTime(PING_MS);
    expect(
      last()
        .json()
        .filter((m) => m.type === "ping"),
    ).toHaveLength(2);
    vi.advanceTimersByTime(PING_MS); // no pong, nothing else either
    expect(conn.getStatus()).toMatchObject({ state: "reconnecting", reason: "The server stopped answering." });
    expect(sockets[0]!.closedWith).toBe(1000);
  });

  it("dispose closes the socket and stops retrying", () => {
    const { conn, sockets, last } = setup();
    conn.start();
    last().serverClose(1006);
    conn.dispose();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});
