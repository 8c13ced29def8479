import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../db/database.ts";
import { Client, type TestLab } from "../test/lab.ts";
import {
  FIRST,
  SECOND,
  closeCohortLab,
  openTerminal,
  readEvents,
  seedCohort,
  startCohortLab,
  type CohortLab,
} from "./test-lab.ts";

/**
 * Pacing on a real lab: a locked exercise stays closed through every way into it (the page's
 * API, the workspace, files, hints, submit, the WebSocket), unlocks live or on schedule, and
 * the cohort's hints and solution settings hold.
 */

let t: CohortLab | undefined;
let lab: TestLab;
let db: Database;
let ann: Client; // instructor
let lea: Client; // learner
let cohortId: number;

const attach = (c: Client, ws: number, mode?: string) => openTerminal(lab.url, c, ws, mode);
const nextEvent = (c: Client, url: string, until: (type: string, data: unknown) => boolean) =>
  readEvents(lab.url, c, url, until);

beforeAll(async () => {
  t = await startCohortLab();
  ({ lab, db, ann, lea } = t);
  ({ cohortId } = await seedCohort(t));
}, 60_000);

afterAll(async () => {
  await closeCohortLab(t);
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
    expect(
      db.get("SELECT 1 FROM workspaces w JOIN users u ON u.id = w.user_id WHERE u.display_name = 'lea'"),
    ).toBeUndefined();
    // The instructor is never paced; a non-member learner neither.
    expect((await ann.json("POST", `/api/exercises/${FIRST}/workspace`, {})).status).toBe(200);
    const outsider = await Client.signup(lab.url, "outsider");
    expect((await outsider.json("GET", `/api/exercises/${FIRST}`)).status).toBe(200);
  });

  it("unlocks live: members hear it over SSE, then the exercise opens; re-locking closes the file API and terminal too", async () => {
    const heard = nextEvent(
      lea,
      `/api/cohorts/${cohortId}/events`,
      (type, d) => type === "track" && (d as { track: { unlocked: boolean }[] }).track[0]!.unlocked,
    );
    await new Promise((r) => setTimeout(r, 200));
    const p = await ann.json<{ track: { unlocked: boolean }[] }>("POST", `/api/cohorts/${cohortId}/pacing`, {
      exercises: [FIRST],
      action: "unlock",
    });
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
    expect((await lea.json("PUT", `/api/workspaces/${wsId}/files/content?path=x.txt`, { content: "x" })).status).toBe(
      403,
    );
    await ann.json("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: "all", action: "unlock" });
    expect((await lea.json("GET", `/api/exercises/${SECOND}`)).status).toBe(200);
  });

  it("unlocks at a scheduled time by itself", async () => {
    await ann.json("POST", `/api/cohorts/${cohortId}/pacing`, { exercises: [SECOND], action: "lock" });
    expect((await lea.json("GET", `/api/exercises/${SECOND}`)).status).toBe(403);
    const at = new Date(Date.now() + 600).toISOString();
    const r = await ann.json<{ track: { unlockAt: string | null }[] }>("POST", `/api/cohorts/${cohortId}/pacing`, {
      exercises: [SECOND],
      action: "schedule",
      at,
    });
    expect(r.body.track[1]!.unlockAt).toBe(at);
    const heard = nextEvent(
      lea,
      `/api/cohorts/${cohortId}/events`,
      (type, d) => type === "track" && (d as { track: { unlocked: boolean }[] }).track[1]!.unlocked,
    );
    expect(await heard).toBeTruthy();
    expect((await lea.json("GET", `/api/exercises/${SECOND}`)).status).toBe(200);
  });

  it("turns hints off and keeps the solution back per cohort", async () => {
    await ann.json("PATCH", `/api/cohorts/${cohortId}`, { hints: false, solution: "never" });
    const h = await lea.json<{ type: string }>("GET", `/api/exercises/${FIRST}/hints`);
    expect(h.status).toBe(403);
    expect(h.body.type).toBe("/problems/hints-off");
    expect((await lea.json("POST", `/api/exercises/${FIRST}/hints`, { index: 0 })).status).toBe(403);
    expect((await lea.json<{ detail: string }>("GET", `/api/exercises/${FIRST}/solution`)).body.detail).toContain(
      "does not show",
    );
    await ann.json("PATCH", `/api/cohorts/${cohortId}`, { hints: true, solution: "after_pass" });
    expect((await lea.json("GET", `/api/exercises/${FIRST}/hints`)).status).toBe(200);
  });
});
