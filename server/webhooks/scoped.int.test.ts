import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Database } from "../db/database.ts";
import { createLogger } from "../logger.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import { EgressPolicy } from "./egress.ts";
import { Webhooks } from "./service.ts";

/**
 * Instructors' own webhook endpoints: each hears only of the cohorts its instructor runs
 * (joins, raised hands, gradings of that cohort's members); an instructor sees and changes only
 * their own (another's answers 404, as if it did not exist); admins see every endpoint.
 */

type Event = { type: string; data: Record<string, unknown> };

async function receiver(): Promise<{ url: string; events: Event[]; close: () => Promise<void> }> {
  const events: Event[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      events.push(JSON.parse(body) as Event);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    events,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let lab: TestLab;
let admin: Client;
let ann: Client;
let bob: Client;
const rx: Awaited<ReturnType<typeof receiver>>[] = [];
const COHORT_EVENTS = ["cohort.member.joined", "cohort.help.requested", "submission.graded"];

async function withRole(name: string, role: string): Promise<Client> {
  const c = await Client.signup(lab.url, name);
  const db = new Database(path.join(lab.dataDir, "backlab.db"));
  db.run("UPDATE users SET role = ? WHERE id = (SELECT max(id) FROM users)", [role]);
  db.close();
  return c;
}

const idOf = async (c: Client) => (await c.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;

async function cohortOf(c: Client, name: string): Promise<{ id: number; joinCode: string }> {
  const r = await c.json<{ cohort: { id: number; joinCode: string } }>("POST", "/api/cohorts", {
    name,
    track: ["token-bucket"],
    seats: 5,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.cohort;
}

beforeAll(async () => {
  // The sandbox is a test double: a grading fails fast, and its submission.graded is all this needs.
  lab = await startTestLab(
    { WEBHOOK_ALLOW_NETWORKS: "127.0.0.0/8", WEBHOOK_RETRY_SECONDS: "1,1,1" },
    { driver: new FakeDriver() },
  );
  admin = await withRole("scoped-admin", "admin");
  ann = await withRole("ann", "instructor");
  bob = await withRole("bob", "instructor");
  for (let i = 0; i < 3; i++) rx.push(await receiver());
}, 180_000);

afterAll(async () => {
  await lab?.close();
  for (const r of rx) await r.close();
});

describe("instructors' webhooks", () => {
  it("an instructor's endpoint hears only of the cohorts they run; an admin's hears all", async () => {
    const [annRx, bobRx, adminRx] = rx as [(typeof rx)[0], (typeof rx)[0], (typeof rx)[0]];
    const annHook = await ann.json<{ endpoint: { id: number; scopedTo: { id: number } | null } }>(
      "POST",
      "/api/webhooks",
      { url: annRx.url, events: COHORT_EVENTS },
    );
    expect(annHook.status, JSON.stringify(annHook.body)).toBe(201);
    expect(annHook.body.endpoint.scopedTo?.id).toBe(await idOf(ann));
    expect((await bob.json("POST", "/api/webhooks", { url: bobRx.url, events: COHORT_EVENTS })).status).toBe(201);
    expect(
      (await admin.json("POST", "/api/webhooks", { url: adminRx.url, events: ["cohort.member.joined"] })).status,
    ).toBe(201);
    // Assessments are the hiring side's: not an instructor endpoint's business.
    const refused = await ann.json<{ detail: string }>("POST", "/api/webhooks", {
      url: annRx.url,
      events: ["assessment.completed"],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/only submission\.graded, cohort\.member\.joined/);

    const annCohort = await cohortOf(ann, "Ann's day");
    const bobCohort = await cohortOf(bob, "Bob's day");
    const lea = await Client.signup(lab.url, "lea");
    const leaId = await idOf(lea);
    const max = await Client.signup(lab.url, "max");
    expect((await lea.json("POST", "/api/cohort-joins", { code: annCohort.joinCode })).status).toBe(200);
    expect((await max.json("POST", "/api/cohort-joins", { code: bobCohort.joinCode })).status).toBe(200);
    expect((await lea.json("POST", `/api/cohorts/${annCohort.id}/hand`, { message: "help" })).status).toBe(201);
    // A grading of each member, recorded as the grading queue's onStored does (the sandbox here
    // is a test double): written to the lab's outbox from outside, sent by the lab's dispatcher.
    const db = new Database(path.join(lab.dataDir, "backlab.db"));
    const outbox = new Webhooks(db, createLogger("silent"), { egress: new EgressPolicy([]) });
    for (const userId of [leaId, await idOf(max)])
      outbox.enqueue("submission.graded", { submission_id: 1, user_id: userId, exercise_id: "token-bucket" });
    db.close();

    const until = async (r: (typeof rx)[0], n: number) => {
      const end = Date.now() + 20_000;
      while (r.events.length < n && Date.now() < end) await new Promise((s) => setTimeout(s, 50));
    };
    await until(annRx, 3);
    await until(adminRx, 2);
    await until(bobRx, 2);
    await new Promise((s) => setTimeout(s, 1500)); // nothing more is coming
    const types = (r: (typeof rx)[0]) => r.events.map((e) => `${e.type}:${String(e.data.cohort_id ?? e.data.user_id)}`);
    expect(types(annRx).sort()).toEqual(
      [
        `cohort.help.requested:${annCohort.id}`,
        `cohort.member.joined:${annCohort.id}`,
        `submission.graded:${leaId}`,
      ].sort(),
    );
    expect(types(bobRx).sort()).toEqual(
      [`cohort.member.joined:${bobCohort.id}`, `submission.graded:${await idOf(max)}`].sort(),
    );
    expect(types(adminRx).sort()).toEqual(
      [`cohort.member.joined:${annCohort.id}`, `cohort.member.joined:${bobCohort.id}`].sort(),
    );
  });

  it("an instructor sees and changes only their own endpoints; admins see and change all", async () => {
    type List = { endpoints: { id: number; url: string; scopedTo: { email: string } | null }[]; eventTypes: string[] };
    const annList = (await ann.json<List>("GET", "/api/webhooks")).body;
    const bobList = (await bob.json<List>("GET", "/api/webhooks")).body;
    const all = (await admin.json<List>("GET", "/api/webhooks")).body;
    expect(annList.endpoints.map((e) => e.url)).toEqual([rx[0]!.url]);
    expect(annList.eventTypes).not.toContain("assessment.completed");
    expect(bobList.endpoints.map((e) => e.url)).toEqual([rx[1]!.url]);
    expect(all.endpoints.map((e) => e.url)).toEqual(rx.map((r) => r.url));
    expect(all.endpoints.map((e) => e.scopedTo?.email ?? null)).toEqual([
      expect.stringMatching(/^ann/),
      expect.stringMatching(/^bob/),
      null,
    ]);
    expect(all.eventTypes).toContain("assessment.completed");

    const annId = annList.endpoints[0]!.id;
    const adminsId = all.endpoints[2]!.id;
    for (const id of [annId, adminsId]) {
      expect((await bob.json("GET", `/api/webhooks/${id}/deliveries`)).status).toBe(404);
      expect((await bob.json("PATCH", `/api/webhooks/${id}`, { description: "mine now" })).status).toBe(404);
      expect((await bob.json("POST", `/api/webhooks/${id}/rotate`, {})).status).toBe(404);
      expect((await bob.json("DELETE", `/api/webhooks/${id}`)).status).toBe(404);
    }
    const log = await ann.json<{ deliveries: { id: number }[] }>("GET", `/api/webhooks/${annId}/deliveries`);
    expect(log.body.deliveries.length).toBe(3);
    expect((await bob.json("POST", `/api/webhooks/deliveries/${log.body.deliveries[0]!.id}/resend`, {})).status).toBe(
      404,
    );
    // Widening one's own endpoint to hiring events is refused like making it so.
    expect((await ann.json("PATCH", `/api/webhooks/${annId}`, { events: ["assessment.completed"] })).status).toBe(400);
    expect((await admin.json("PATCH", `/api/webhooks/${annId}`, { description: "checked by an admin" })).status).toBe(
      200,
    );
    const audit = await admin.json<{ entries: { action: string; actorId: number; details: { scopedTo?: number } }[] }>(
      "GET",
      "/api/admin/audit?action=webhook.create",
    );
    expect(audit.body.entries.filter((e) => e.details.scopedTo === e.actorId).length).toBe(2);
    const learner = await Client.signup(lab.url, "curious");
    expect((await learner.json("GET", "/api/webhooks")).status).toBe(403);
    expect((await learner.json("GET", `/api/webhooks/${annId}/deliveries`)).status).toBe(403);
  });
});
