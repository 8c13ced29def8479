import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, type TestLab } from "../test/lab.ts";
import { FIRST, SECOND, closeCohortLab, idOf, readEvents, startCohortLab, type CohortLab } from "./test-lab.ts";

/**
 * Cohorts over HTTP on a real lab: creating one, and joining by link or invite, with the bad
 * input the issue lists. Pacing and the live room have their own files.
 */

let t: CohortLab | undefined;
let lab: TestLab;
let ann: Client; // instructor
let ben: Client; // another instructor
let lea: Client; // learner
let leo: Client; // learner
let cohortId: number;
let joinCode: string;

const nextEvent = (c: Client, url: string, until: (type: string, data: unknown) => boolean) =>
  readEvents(lab.url, c, url, until);

beforeAll(async () => {
  t = await startCohortLab();
  ({ lab, ann, ben, lea, leo } = t);
}, 60_000);

afterAll(async () => {
  await closeCohortLab(t);
});

describe("cohorts", () => {
  it("refuses a track naming an exercise the catalog does not have, by name", async () => {
    const r = await ann.json<{ type: string; detail: string; exercises: string[] }>("POST", "/api/cohorts", {
      name: "Bad",
      track: [FIRST, "gone-from-catalog"],
      seats: 3,
    });
    expect(r.status).toBe(422);
    expect(r.res.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.type).toBe("/problems/unknown-exercise");
    expect(r.body.exercises).toEqual(["gone-from-catalog"]);
    expect((await ann.json<{ cohorts: unknown[] }>("GET", "/api/cohorts")).body.cohorts).toEqual([]);
  });

  it("creates a cohort its instructor sees and another instructor does not", async () => {
    const r = await ann.json<{
      cohort: { id: number; joinCode: string; track: { exerciseId: string; unlocked: boolean }[] };
    }>("POST", "/api/cohorts", {
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
    expect(r.body.cohort.track.map((t) => [t.exerciseId, t.unlocked])).toEqual([
      [FIRST, false],
      [SECOND, false],
    ]);
    expect(
      (await ann.json<{ cohorts: { id: number }[] }>("GET", "/api/cohorts")).body.cohorts.map((c) => c.id),
    ).toEqual([cohortId]);
    expect((await ben.json<{ cohorts: unknown[] }>("GET", "/api/cohorts")).body.cohorts).toEqual([]);
    for (const url of [
      `/api/cohorts/${cohortId}`,
      `/api/cohorts/${cohortId}/room`,
      `/api/cohorts/${cohortId}/export?format=json`,
    ]) {
      expect((await ben.json("GET", url)).status, url).toBe(404);
    }
    expect((await lea.json("POST", "/api/cohorts", { name: "Mine", track: [FIRST], seats: 1 })).status).toBe(403);
  });

  it("joins by the link's code; joining again changes nothing; a full cohort says so", async () => {
    const roomHearsLea = nextEvent(
      ann,
      `/api/cohorts/${cohortId}/room/events`,
      (type, d) => type === "row" && (d as { row: { displayName: string } }).row.displayName === "lea",
    );
    await new Promise((r) => setTimeout(r, 200));
    const j = await lea.json<{ cohort: { id: number; members: number } }>("POST", "/api/cohort-joins", {
      code: joinCode,
    });
    expect(j.status).toBe(200);
    expect(j.body.cohort).toMatchObject({ id: cohortId, members: 1 });
    expect(await roomHearsLea).toBeTruthy();
    expect(
      (await lea.json<{ cohort: { members: number } }>("POST", "/api/cohort-joins", { code: joinCode.toLowerCase() }))
        .status,
    ).toBe(400);
    expect(
      (await lea.json<{ cohort: { members: number } }>("POST", "/api/cohort-joins", { code: joinCode })).body.cohort
        .members,
    ).toBe(1);
    expect((await leo.json("POST", "/api/cohort-joins", { code: joinCode })).status).toBe(200);
    const third = await Client.signup(lab.url, "late");
    const full = await third.json<{ type: string; detail: string }>("POST", "/api/cohort-joins", { code: joinCode });
    expect(full.status).toBe(409);
    expect(full.body.type).toBe("/problems/cohort-full");
    expect((await third.json<{ cohorts: unknown[] }>("GET", "/api/me/cohorts")).body.cohorts).toEqual([]);
    expect((await third.json("POST", "/api/cohort-joins", { code: "ZZZZZZZZ" })).status).toBe(404);
  });

  it("refuses an expired join code and a used or someone else's invite", async () => {
    const other = await ann.json<{ cohort: { id: number; joinCode: string } }>("POST", "/api/cohorts", {
      name: "Evening",
      track: [FIRST],
      seats: 10,
    });
    const id = other.body.cohort.id;
    await ann.json("PATCH", `/api/cohorts/${id}`, { joinCodeExpiresAt: new Date(Date.now() - 1000).toISOString() });
    const late = await Client.signup(lab.url, "late2");
    const expired = await late.json<{ type: string }>("POST", "/api/cohort-joins", {
      code: other.body.cohort.joinCode,
    });
    expect(expired.status).toBe(410);
    expect(expired.body.type).toBe("/problems/join-code-expired");
    const lateUser = await idOf(late);
    const inv = await ann.json<{ invites: { email: string; url: string }[] }>("POST", `/api/cohorts/${id}/invites`, {
      emails: [lateUser.email, "someone@example.test"],
    });
    expect(inv.status).toBe(201);
    const [mine, theirs] = inv.body.invites.map((i) => i.url.split("/join/")[1]!);
    expect((await late.json<{ type: string }>("POST", "/api/cohort-joins", { code: theirs })).status).toBe(403);
    expect((await late.json("POST", "/api/cohort-joins", { code: mine })).status).toBe(200);
    const used = await lea.json<{ type: string }>("POST", "/api/cohort-joins", { code: mine });
    expect(used.status).toBe(410);
    expect(used.body.type).toBe("/problems/invite-used");
  });
});
