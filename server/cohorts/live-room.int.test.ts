import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../db/database.ts";
import type { Client, TestLab } from "../test/lab.ts";
import {
  FIRST,
  closeCohortLab,
  idOf,
  openTerminal,
  readEvents,
  seedCohort,
  startCohortLab,
  type CohortLab,
} from "./test-lab.ts";

/**
 * The live room on a real lab, over HTTP, SSE and WebSocket: the help desk, broadcasts,
 * take-over consent, exports and the leaderboard, in a cohort whose track is unlocked.
 */

let t: CohortLab | undefined;
let lab: TestLab;
let db: Database;
let ann: Client; // instructor
let lea: Client; // learner
let leo: Client; // learner
let cohortId: number;

const attach = (c: Client, ws: number, mode?: string) => openTerminal(lab.url, c, ws, mode);
const nextEvent = (c: Client, url: string, until: (type: string, data: unknown) => boolean) =>
  readEvents(lab.url, c, url, until);

beforeAll(async () => {
  t = await startCohortLab();
  ({ lab, db, ann, lea, leo } = t);
  ({ cohortId } = await seedCohort(t));
  expect(
    (await ann.json("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: "all", action: "unlock" })).status,
  ).toBe(200);
  // As in the session these tests came from (pacing ran first): lea's workspace exists and its
  // terminal was attached once before the take-over. Without that, the take-over test waited
  // for the echo until its timeout about one run in four on the loaded machine (not diagnosed yet).
  const ws = (await lea.json<{ workspace: { id: number } }>("POST", `/api/exercises/${FIRST}/workspace`, {})).body
    .workspace.id;
  const first = await attach(lea, ws);
  expect(first.status).toBe(101);
  first.socket!.close();
}, 60_000);

afterAll(async () => {
  await closeCohortLab(t);
});

describe("the live room", () => {
  it("shows a raised hand on the dashboard's stream; acknowledge and resolve empty the queue", async () => {
    const seen = nextEvent(
      ann,
      `/api/cohorts/${cohortId}/room/events`,
      (type, d) => type === "hands" && (d as { hands: unknown[] }).hands.length === 1,
    );
    await new Promise((r) => setTimeout(r, 200));
    const raised = await lea.json<{ hand: { id: number } }>("POST", `/api/cohorts/${cohortId}/hand`, {
      message: "<b>tests</b> hang",
      exerciseId: FIRST,
    });
    expect(raised.status).toBe(201);
    const ev = (await seen) as { hands: { message: string; displayName: string }[] };
    expect(ev.hands[0]).toMatchObject({ message: "<b>tests</b> hang", displayName: "lea" });
    const room = await ann.json<{ rows: { displayName: string; needsHelp: { kind: string; message?: string }[] }[] }>(
      "GET",
      `/api/cohorts/${cohortId}/room`,
    );
    expect(room.body.rows.find((r) => r.displayName === "lea")!.needsHelp).toEqual([
      expect.objectContaining({ kind: "hand", message: "<b>tests</b> hang" }),
    ]);
    // Another learner of the cohort sees none of it.
    expect((await leo.json("GET", `/api/cohorts/${cohortId}/room`)).status).toBe(404);
    expect((await leo.json<{ myHand: unknown }>("GET", `/api/cohorts/${cohortId}/me`)).body.myHand).toBeNull();
    const hid = raised.body.hand.id;
    expect(
      (
        await ann.json<{ hand: { acknowledgedAt: string | null } }>("POST", `/api/cohorts/${cohortId}/hands/${hid}`, {
          action: "acknowledge",
        })
      ).body.hand.acknowledgedAt,
    ).not.toBeNull();
    await ann.json("POST", `/api/cohorts/${cohortId}/hands/${hid}`, { action: "resolve" });
    expect((await ann.json<{ hands: unknown[] }>("GET", `/api/cohorts/${cohortId}/room`)).body.hands).toEqual([]);
    expect((await ann.json("POST", `/api/cohorts/${cohortId}/hands/${hid}`, { action: "acknowledge" })).status).toBe(
      409,
    );
  });

  it("broadcasts plain text to every member; HTML and oversized text are refused and nothing is stored", async () => {
    const leaHears = nextEvent(lea, `/api/cohorts/${cohortId}/events`, (type) => type === "broadcast");
    const leoHears = nextEvent(leo, `/api/cohorts/${cohortId}/events`, (type) => type === "broadcast");
    await new Promise((r) => setTimeout(r, 200));
    expect(
      (await ann.json("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: "Break until 11:00 — 2 < 3" })).status,
    ).toBe(201);
    for (const heard of [await leaHears, await leoHears])
      expect((heard as { broadcast: { text: string } }).broadcast.text).toBe("Break until 11:00 — 2 < 3");
    // A stream opened afterwards (an EventSource reconnecting after a drop) opens with it.
    const late = (await nextEvent(lea, `/api/cohorts/${cohortId}/events`, (type) => type === "broadcast")) as {
      broadcast: { text: string };
    };
    expect(late.broadcast.text).toBe("Break until 11:00 — 2 < 3");
    const html = await ann.json<{ type: string; detail: string }>("POST", `/api/cohorts/${cohortId}/broadcasts`, {
      text: '<img src=x onerror="alert(1)">',
    });
    expect(html.status).toBe(400);
    expect(html.body.detail).toContain("HTML");
    expect((await ann.json("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: "x".repeat(501) })).status).toBe(400);
    const huge = await ann.json<{ type: string }>("POST", `/api/cohorts/${cohortId}/broadcasts`, {
      text: "x".repeat(1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect(huge.res.headers.get("content-type")).toContain("application/problem+json");
    expect(
      db.get<{ n: number }>("SELECT count(*) AS n FROM cohort_broadcasts WHERE cohort_id = ?", [cohortId])!.n,
    ).toBe(1);
    expect((await leo.json("POST", `/api/cohorts/${cohortId}/broadcasts`, { text: "me too" })).status).toBe(404);
  });

  it("takes over a terminal only after the learner accepts; types through; either side ends it; all audited", async () => {
    const ws = (await lea.json<{ workspace: { id: number } }>("POST", `/api/exercises/${FIRST}/workspace`, {})).body
      .workspace.id;
    const learner = await attach(lea, ws);
    expect(learner.status).toBe(101);
    const leaId = (await idOf(lea)).id;
    // No consent yet: no writer socket for the instructor.
    expect((await attach(ann, ws, "takeover")).status).toBe(403);
    const req = await ann.json<{ takeover: { id: number; state: string } }>(
      "POST",
      `/api/cohorts/${cohortId}/takeovers`,
      { userId: leaId, exerciseId: FIRST },
    );
    expect(req.body.takeover.state).toBe("requested");
    expect((await attach(ann, ws, "takeover")).status).toBe(403);
    expect(
      (await leo.json("PATCH", `/api/cohorts/${cohortId}/takeovers/${req.body.takeover.id}`, { action: "accept" }))
        .status,
    ).toBe(404);
    const ok = await lea.json<{ takeover: { state: string } }>(
      "PATCH",
      `/api/cohorts/${cohortId}/takeovers/${req.body.takeover.id}`,
      { action: "accept" },
    );
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
    expect(audit.body.entries.map((e) => e.action)).toEqual([
      "cohort.takeover.request",
      "cohort.takeover.accept",
      "cohort.takeover.attach",
      "cohort.takeover.end",
    ]);
  });

  it("exports CSV, a gradebook with a points-possible row, and JSON; formulas are defused", async () => {
    db.run("UPDATE users SET display_name = '=HYPERLINK(1)' WHERE display_name = 'leo'");
    const csv = await ann.request("GET", `/api/cohorts/${cohortId}/export?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "learner_id,display_name,email,exercise_id,exercise_title,best_score,points_possible,attempts,first_pass_at",
    );
    expect(lines).toHaveLength(1 + 2 * 2);
    expect(lines.some((l) => l.includes(",'=HYPERLINK(1),"))).toBe(true);
    const book = (await (await ann.request("GET", `/api/cohorts/${cohortId}/export?format=gradebook`)).text())
      .trim()
      .split("\r\n");
    expect(book[1]!.startsWith("Points Possible,,,")).toBe(true);
    expect(book).toHaveLength(2 + 2);
    const json = await ann.json<{ learners: { results: unknown[] }[] }>(
      "GET",
      `/api/cohorts/${cohortId}/export?format=json`,
    );
    expect(json.body.learners).toHaveLength(2);
    expect((await ann.json("GET", `/api/cohorts/${cohortId}/export?format=xlsx`)).status).toBe(400);
  });

  it("shows the leaderboard by pseudonym only when the cohort opted in", async () => {
    const lb = await lea.json<{ rows: { name: string; you: boolean }[] }>(
      "GET",
      `/api/cohorts/${cohortId}/leaderboard`,
    );
    expect(lb.status).toBe(200);
    expect(lb.body.rows.map((r) => r.name).every((n) => /^[A-Z][a-z]+ [0-9A-F]{4}$/.test(n))).toBe(true);
    expect(lb.body.rows.filter((r) => r.you)).toHaveLength(1);
    await ann.json("PATCH", `/api/cohorts/${cohortId}`, { leaderboard: "off" });
    expect((await lea.json("GET", `/api/cohorts/${cohortId}/leaderboard`)).status).toBe(404);
  });
});
