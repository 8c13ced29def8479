import path from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

/**
 * Cohorts over HTTP and WebSocket on a real lab (real database, sessions, workspaces; the
 * sandbox is a double): creating, joining, pacing through every way into an exercise, the
 * help desk, take-over consent, broadcasts and exports, and the bad input the issue lists.
 */

const FIRST = "token-bucket";
const SECOND = "typed-errors-di";
let lab: TestLab;
let db: Database;
let ann: Client; // instructor
let ben: Client; // another instructor
let lea: Client; // learner
let leo: Client; // learner
let cohortId: number;
let joinCode: string;

async function as(role: "instructor" | "learner", name: string): Promise<Client> {
  const c = await Client.signup(lab.url, name);
  if (role !== "learner") {
    const me = await c.json<{ user: { id: number } }>("GET", "/api/auth/me");
    db.run("UPDATE users SET role = ? WHERE id = ?", [role, me.body.user.id]);
  }
  return c;
}

const idOf = async (c: Client) => (await c.json<{ user: { id: number; email: string } }>("GET", "/api/auth/me")).body.user;

/** Opens a WebSocket to a terminal and resolves with the upgrade's status (101 or the refusal). */
function attach(c: Client, ws: number, mode?: string): Promise<{ status: number; socket?: WebSocket; reason?: string }> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(`${lab.url.replace("http", "ws")}/api/workspaces/${ws}/terminal${mode ? `?mode=${mode}` : ""}`, { headers: { origin: lab.url, cookie: c.cookie } });
    s.on("upgrade", () => resolve({ status: 101, socket: s }));
    s.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, reason: body }));
    });
    s.on("error", reject);
  });
}

/** Reads server-sent events until `until` accepts one (or the time runs out). */
async function nextEvent(c: Client, url: string, until: (type: string, data: unknown) => boolean, ms = 5000): Promise<unknown> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), ms);
  try {
    const res = await fetch(lab.url + url, { headers: { cookie: c.cookie }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      buf += new TextDecoder().decode(value);
      let i: number;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data && until(type, JSON.parse(data))) {
          ctrl.abort();
          return JSON.parse(data);
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  lab = await startTestLab({ GRADING_CONCURRENCY: "1" }, { driver: new FakeDriver() });
  db = new Database(path.join(lab.dataDir, "backlab.db"));
  ann = await as("instructor", "ann");
  ben = await as("instructor", "ben");
  lea = await as("learner", "lea");
  leo = await as("learner", "leo");
}, 60_000);

afterAll(async () => {
  db?.close();
  await lab?.close();
});

describe("cohorts", () => {
  it("refuses a track naming an exercise the catalog does not have, by name", async () => {
    const r = await ann.json<{ type: string; detail: string; exercises: string[] }>("POST", "/api/cohorts", { name: "Bad", track: [FIRST, "gone-from-catalog"], seats: 3 });
    expect(r.status).toBe(422);
    expect(r.res.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.type).toBe("/problems/unknown-exercise");
    expect(r.body.exercises).toEqual(["gone-from-catalog"]);
    expect((await ann.json<{ cohorts: unknown[] }>("GET", "/api/cohorts")).body.cohorts).toEqual([]);
  });

  it("creates a cohort its instructor sees and another instructor does not", async () => {
    const r = await ann.json<{ cohort: { id: number; joinCode: string; track: { exerciseId: string; unlocked: boolean }[] } }>("POST", "/api/cohorts", {
      name: "Backend day",
      description: "One day, two exercises",
      track: [FIRST, SECOND],
      seats: 2,
      leaderboard: "pseudonyms",
    });
    expect(r.status).toBe(201);
    cohortId = r.body.cohort.id;
    joinCode = r.body.cohort.joinCode;
    expect(joinCode).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect(r.body.cohort.track.map((t) => [t.exerciseId, t.unlocked])).toEqual([[FIRST, false], [SECOND, false]]);
    expect((await ann.json<{ cohorts: { id: number }[] }>("GET", "/api/cohorts")).body.cohorts.map((c) => c.id)).toEqual([cohortId]);
    expect((await ben.json<{ cohorts: unknown[] }>("GET", "/api/cohorts")).body.cohorts).toEqual([]);
    for (const url of [`/api/cohorts/${cohortId}`, `/api/cohorts/${cohortId}/room`, `/api/cohorts/${cohortId}/export?format=json`]) {
      expect((await ben.json("GET", url)).status, url).toBe(404);
    }
    expect((await lea.json("POST", "/api/cohorts", { name: "Mine", track: [FIRST], seats: 1 })).status).toBe(403);
  });

  it("joins by the link's code; joining again changes nothing; a full cohort says so", async () => {
    const roomHearsLea = nextEvent(ann, `/api/cohorts/${cohortId}/room/events`, (type, d) => type === "row" && (d as { row: { displayName: string } }).row.displayName === "lea");
    await new Promise((r) => setTimeout(r, 200));
    const j = await lea.json<{ cohort: { id: number; members: number } }>("POST", "/api/cohort-joins", { code: joinCode });
    expect(j.status).toBe(200);
    expect(j.body.cohort).toMatchObject({ id: cohortId, members: 1 });
    expect(await roomHearsLea).toBeTruthy();
    expect((await lea.json<{ cohort: { members: number } }>("POST", "/api/cohort-joins", { code: joinCode.toLowerCase() })).status).toBe(400);
    expect((await lea.json<{ cohort: { members: number } }>("POST", "/api/cohort-joins", { code: joinCode })).body.cohort.members).toBe(1);
    expect((await leo.json("POST", "/api/cohort-joins", { code: joinCode })).status).toBe(200);
    const third = await Client.signup(lab.url, "late");
    const full = await third.json<{ type: string; detail: string }>("POST", "/api/cohort-joins", { code: joinCode });
    expect(full.status).toBe(409);
    expect(full.body.type).toBe("/problems/cohort-full");
    expect((await third.json<{ cohorts: unknown[] }>("GET", "/api/me/cohorts")).body.cohorts).toEqual([]);
    expect((await third.json("POST", "/api/cohort-joins", { code: "ZZZZZZZZ" })).status).toBe(404);
  });

  it("refuses an expired join code and a used or someone else's invite", async () => {
    const other = await ann.json<{ cohort: { id: number; joinCode: string } }>("POST", "/api/cohorts", { name: "Evening", track: [FIRST], seats: 10 });
    const id = other.body.cohort.id;
    await ann.json("PATCH", `/api/cohorts/${id}`, { joinCodeExpiresAt: new Date(Date.now() - 1000).toISOString() });
    const late = await Client.signup(lab.url, "late2");
    const expired = await late.json<{ type: string }>("POST", "/api/cohort-joins", { code: other.body.cohort.joinCode });
    expect(expired.status).toBe(410);
    expect(expired.body.type).toBe("/problems/join-code-expired");
    const lateUser = await idOf(late);
    const inv = await ann.json<{ invites: { email: string; url: string }[] }>("POST", `/api/cohorts/${id}/invites`, { emails: [lateUser.email, "someone@example.test"] });
    expect(inv.status).toBe(201);
    const [mine, theirs] = inv.body.invites.map((i) => i.url.split("/join/")[1]!);
    expect((await late.json<{ type: string }>("POST", "/api/cohort-joins", { code: theirs })).status).toBe(403);
    expect((await late.json("POST", "/api/cohort-joins", { code: mine })).status).toBe(200);
    const used = await lea.json<{ type: string }>("POST", "/api/cohort-joins", { code: mine });
    expect(used.status).toBe(410);
    expect(used.body.type).toBe("/problems/invite-used");
  });
});

describe("pacing", () => {
  it("keeps a locked exercise closed to members through the page's API, the workspace, files, hints, submit and the WebSocket", async () => {
    const cards = await lea.json<{ exercises: { id: string; locked: boolean }[] }>("GET", "/api/exercises");
    expect(cards.body.exercises.find((e) => e.id === FIRST)?.locked).toBe(true);
    expect(cards.body.exercises.find((e) => e.id === "rest-resource")?.locked).toBe(false);
    for (const [method, url] of [
      ["GET", `/api/exercises/${FIRST}`],
      ["POST", `/api/exercises/${FIRST}/workspace`],
      ["POST", `/api/exercises/${FIRST}/submissions`],
      ["GET", `/api/exercises/${FIRST}/hints`],
      ["GET", `/api/exercises/${FIRST}/solution`],
    ] as const) {
      const r = await lea.json<{ type: string }>(method, url, method === "POST" ? {} : undefined);
      expect(r.status, url).toBe(403);
      expect(r.body.type, url).toBe("/problems/exercise-locked");
    }
    expect(db.get("SELECT 1 FROM workspaces w JOIN users u ON u.id = w.user_id WHERE u.display_name = 'lea'")).toBeUndefined();
    // The instructor is never paced; a non-member learner neither.
    expect((await ann.json("POST", `/api/exercises/${FIRST}/workspace`, {})).status).toBe(200);
    const outsider = await Client.signup(lab.url, "outsider");
    expect((await outsider.json("GET", `/api/exercises/${FIRST}`)).status).toBe(200);
  });

  it("unlocks live: members hear it over SSE, then the exercise opens; re-locking closes the file API and terminal too", async () => {
    const heard = nextEvent(lea, `/api/cohorts/${cohortId}/events`, (type, d) => type === "track" && (d as { track: { unlocked: boolean }[] }).track[0]!.unlocked);
    await new Promise((r) => setTimeout(r, 200));
    const p = await ann.json<{ track: { unlocked: boolean }[] }>("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: [FIRST], action: "unlock" });
    expect(p.body.track.map((t) => t.unlocked)).toEqual([true, false]);
    expect(await heard).toBeTruthy();
    const ws = await lea.json<{ workspace: { id: number } }>("POST", `/api/exercises/${FIRST}/workspace`, {});
    expect(ws.status).toBe(200);
    const wsId = ws.body.workspace.id;
    expect((await lea.json("GET", `/api/workspaces/${wsId}/files`)).status).toBe(200);
    const t = await attach(lea, wsId);
    expect(t.status).toBe(101);
    t.socket!.close();
    // Locked again: the workspace exists, but no path leads into it.
    await ann.json("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: [FIRST], action: "lock" });
    const files = await lea.json<{ type: string }>("GET", `/api/workspaces/${wsId}/files`);
    expect(files.status).toBe(403);
    expect(files.body.type).toBe("/problems/exercise-locked");
    const refused = await attach(lea, wsId);
    expect(refused.status).toBe(403);
    expect((await lea.json("PUT", `/api/workspaces/${wsId}/files/content?path=x.txt`, { content: "x" })).status).toBe(403);
    await ann.json("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: "all", action: "unlock" });
    expect((await lea.json("GET", `/api/exercises/${SECOND}`)).status).toBe(200);
  });

  it("unlocks at a scheduled time by itself", async () => {
    await ann.json("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: [SECOND], action: "lock" });
    expect((await lea.json("GET", `/api/exercises/${SECOND}`)).status).toBe(403);
    const at = new Date(Date.now() + 600).toISOString();
    const r = await ann.json<{ track: { unlockAt: string | null }[] }>("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: [SECOND], action: "schedule", at });
    expect(r.body.track[1]!.unlockAt).toBe(at);
    const heard = nextEvent(lea, `/api/cohorts/${cohortId}/events`, (type, d) => type === "track" && (d as { track: { unlocked: boolean }[] }).track[1]!.unlocked);
    expect(await heard).toBeTruthy();
    expect((await lea.json("GET", `/api/exercises/${SECOND}`)).status).toBe(200);
  });

  it("turns hints off and keeps the solution back per cohort", async () => {
    await ann.json("PATCH", `/api/cohorts/${cohortId}`, { hints: false, solution: "never" });
    const h = await lea.json<{ type: string }>("GET", `/api/exercises/${FIRST}/hints`);
    expect(h.status).toBe(403);
    expect(h.body.type).toBe("/problems/hints-off");
    expect((await lea.json("POST", `/api/exercises/${FIRST}/hints`, { index: 0 })).status).toBe(403);
    expect((await lea.json<{ detail: string }>("GET", `/api/exercises/${FIRST}/solution`)).body.detail).toContain("does not show");
    await ann.json("PATCH", `/api/cohorts/${cohortId}`, { hints: true, solution: "after_pass" });
    expect((await lea.json("GET", `/api/exercises/${FIRST}/hints`)).status).toBe(200);
  });
});

describe("the live room", () => {
  it("shows a raised hand on the dashboard's stream; acknowledge and resolve empty the queue", async () => {
    const seen = nextEvent(ann, `/api/cohorts/${cohortId}/room/events`, (type, d) => type === "hands" && (d as { hands: unknown[] }).hands.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    const raised = await lea.json<{ hand: { id: number } }>("POST", `/api/cohorts/${cohortId}/hand`, { message: "<b>tests</b> hang", exerciseId: FIRST });
    expect(raised.status).toBe(201);
    const ev = (await seen) as { hands: { message: string; displayName: string }[] };
    expect(ev.hands[0]).toMatchObject({ message: "<b>tests</b> hang", displayName: "lea" });
    const room = await ann.json<{ rows: { displayName: string; needsHelp: { kind: string; message?: string }[] }[] }>("GET", `/api/cohorts/${cohortId}/room`);
    expect(room.body.rows.find((r) => r.displayName === "lea")!.needsHelp).toEqual([expect.objectContaining({ kind: "hand", message: "<b>tests</b> hang" })]);
    // Another learner of the cohort sees none of it.
    expect((await leo.json("GET", `/api/cohorts/${cohortId}/room`)).status).toBe(404);
    expect((await leo.json<{ myHand: unknown }>("GET", `/api/cohorts/${cohortId}/me`)).body.myHand).toBeNull();
    const hid = raised.body.hand.id;
    expect((await ann.json<{ hand: { acknowledgedAt: string | null } }>("POST", `/api/cohorts/${cohortId}/hands/${hid}`, { action: "acknowledge" })).body.hand.acknowledgedAt).not.toBeNull();
    await ann.json("POST", `/api/cohorts/${cohortId}/hands/${hid}`, { action: "resolve" });
    expect((await ann.json<{ hands: unknown[] }>("GET", `/api/cohorts/${cohortId}/room`)).body.hands).toEqual([]);
    expect((await ann.json("POST", `/api/cohorts/${cohortId}/hands/${hid}`, { action: "acknowledge" })).status).toBe(409);
  });

  it("broadcasts plain text to every member; HTML and oversized text are refused and nothing is stored", async () => {
    const leaHears = nextEvent(lea, `/api/cohorts/${cohortId}/events`, (type) => type === "broadcast");
    const leoHears = nextEvent(leo, `/api/cohorts/${cohortId}/events`, (type) => type === "broadcast");
    await new Promise((r) => setTimeout(r, 200));
    expect((await ann.json("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: "Break until 11:00 — 2 < 3" })).status).toBe(201);
    for (const heard of [await leaHears, await leoHears]) expect((heard as { broadcast: { text: string } }).broadcast.text).toBe("Break until 11:00 — 2 < 3");
    const html = await ann.json<{ type: string; detail: string }>("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: '<img src=x onerror="alert(1)">' });
    expect(html.status).toBe(400);
    expect(html.body.detail).toContain("HTML");
    expect((await ann.json("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: "x".repeat(501) })).status).toBe(400);
    const huge = await ann.json<{ type: string }>("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: "x".repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.res.headers.get("content-type")).toContain("application/problem+json");
    expect(db.get<{ n: number }>("SELECT count(*) AS n FROM cohort_broadcasts WHERE cohort_id = ?", [cohortId])!.n).toBe(1);
    expect((await leo.json("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: "me too" })).status).toBe(404);
  });

  it("takes over a terminal only after the learner accepts; types through; either side ends it; all audited", async () => {
    const ws = (await lea.json<{ workspace: { id: number } }>("POST", `/api/exercises/${FIRST}/workspace`, {})).body.workspace.id;
    const learner = await attach(lea, ws);
    expect(learner.status).toBe(101);
    const leaId = (await idOf(lea)).id;
    // No consent yet: no writer socket for the instructor.
    expect((await attach(ann, ws, "takeover")).status).toBe(403);
    const req = await ann.json<{ takeover: { id: number; state: string } }>("POST", `/api/cohorts/${cohortId}/takeovers`, { userId: leaId, exerciseId: FIRST });
    expect(req.body.takeover.state).toBe("requested");
    expect((await attach(ann, ws, "takeover")).status).toBe(403);
    expect((await leo.json("PATCH", `/api/cohorts/${cohortId}/takeovers/${req.body.takeover.id}`, { action: "accept" })).status).toBe(404);
    const ok = await lea.json<{ takeover: { state: string } }>("PATCH", `/api/cohorts/${cohortId}/takeovers/${req.body.takeover.id}`, { action: "accept" });
    expect(ok.body.takeover.state).toBe("active");
    const writer = await attach(ann, ws, "takeover");
    expect(writer.status).toBe(101);
    // What the instructor types reaches the learner's shell and the learner sees it.
    const echoed = new Promise<void>((resolve) => {
      let seen = "";
      learner.socket!.on("message", (d, binary) => {
        if (binary) seen += d.toString();
        if (seen.includes("typed-by-ann")) resolve();
      });
    });
    writer.socket!.on("message", (d, binary) => {
      if (!binary && JSON.parse(String(d)).type === "ready") writer.socket!.send(Buffer.from("echo typed-by-ann\r"));
    });
    await echoed;
    const closed = new Promise<number>((resolve) => writer.socket!.on("close", (code) => resolve(code)));
    await lea.json("PATCH", `/api/cohorts/${cohortId}/takeovers/${req.body.takeover.id}`, { action: "end" });
    expect(await closed).toBe(4000);
    expect((await attach(ann, ws, "takeover")).status).toBe(403);
    learner.socket!.close();
    const audit = await ann.json<{ entries: { action: string }[] }>("GET", `/api/cohorts/${cohortId}/audit`);
    expect(audit.body.entries.map((e) => e.action)).toEqual(["cohort.takeover.request", "cohort.takeover.accept", "cohort.takeover.attach", "cohort.takeover.end"]);
  });

  it("exports CSV, a gradebook with a points-possible row, and JSON; formulas are defused", async () => {
    db.run("UPDATE users SET display_name = '=HYPERLINK(1)' WHERE display_name = 'leo'");
    const csv = await ann.request("GET", `/api/cohorts/${cohortId}/export?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("learner_id,display_name,email,exercise_id,exercise_title,best_score,points_possible,attempts,first_pass_at");
    expect(lines).toHaveLength(1 + 2 * 2);
    expect(lines.some((l) => l.includes(",'=HYPERLINK(1),"))).toBe(true);
    const book = (await (await ann.request("GET", `/api/cohorts/${cohortId}/export?format=gradebook`)).text()).trim().split("\r\n");
    expect(book[1]!.startsWith("Points Possible,,,")).toBe(true);
    expect(book).toHaveLength(2 + 2);
    const json = await ann.json<{ learners: { results: unknown[] }[] }>("GET", `/api/cohorts/${cohortId}/export?format=json`);
    expect(json.body.learners).toHaveLength(2);
    expect((await ann.json("GET", `/api/cohorts/${cohortId}/export?format=xlsx`)).status).toBe(400);
  });

  it("shows the leaderboard by pseudonym only when the cohort opted in", async () => {
    const lb = await lea.json<{ rows: { name: string; you: boolean }[] }>("GET", `/api/cohorts/${cohortId}/leaderboard`);
    expect(lb.status).toBe(200);
    expect(lb.body.rows.map((r) => r.name).every((n) => /^[A-Z][a-z]+ [0-9A-F]{4}$/.test(n))).toBe(true);
    expect(lb.body.rows.filter((r) => r.you)).toHaveLength(1);
    await ann.json("PATCH", `/api/cohorts/${cohortId}`, { leaderboard: "off" });
    expect((await lea.json("GET", `/api/cohorts/${cohortId}/leaderboard`)).status).toBe(404);
  });
});
