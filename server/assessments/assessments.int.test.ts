import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { loadConfig } from "../config.ts";
import { Database } from "../db/database.ts";
import { createLogger } from "../logger.ts";
import { startLab, type Lab } from "../main.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

/**
 * Assessments end to end through the API on a real lab (the sandbox is a test double: the
 * subject is the clock, the confinement and the invites): links that expire, are reused or
 * revoked; CSV batches with broken rows; the server's timer with extensions, the window's
 * close and the grace for saves in flight; every write path refused after the deadline.
 */

const EXERCISE = "token-bucket";
const SRC = "src/token-bucket.ts";
let lab: TestLab;
let admin: Client;
let db: Database;

const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function assessment(over: Record<string, unknown> = {}): Promise<number> {
  const r = await admin.json<{ assessment: { id: number } }>("POST", "/api/assessments", {
    title: "Take-home",
    exercises: [{ id: EXERCISE }],
    durationMinutes: 60,
    opensAt: minutesFromNow(-60),
    closesAt: minutesFromNow(24 * 60),
    visibility: "test-names",
    feedbackSubmissions: 1,
    rubric: [{ name: "Correctness", description: "Does what it says" }],
    ...over,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.assessment.id;
}

async function invite(
  id: number,
  rows: Record<string, unknown>[] = [{}],
): Promise<{ candidateId: number; token: string }[]> {
  const r = await admin.json<{ invited: { candidateId: number; url: string }[] }>(
    "POST",
    `/api/assessments/${id}/invites`,
    { candidates: rows },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.invited.map((x) => ({ candidateId: x.candidateId, token: x.url.split("/take/")[1]! }));
}

async function claim(token: string): Promise<{ c: Client; status: number; body: Record<string, unknown> }> {
  const c = new Client(lab.url);
  const r = await c.json<{ csrfToken: string } & Record<string, unknown>>("POST", "/api/assessment-invites/claim", {
    token,
  });
  if (r.status === 200) c.csrf = r.body.csrfToken;
  return { c, status: r.status, body: r.body };
}

async function started(
  over: Record<string, unknown> = {},
): Promise<{ c: Client; id: number; candidateId: number; ws: number }> {
  const id = await assessment(over);
  const [inv] = await invite(id);
  const { c } = await claim(inv!.token);
  const s = await c.json("POST", "/api/candidate/start", {});
  expect(s.status, JSON.stringify(s.body)).toBe(200);
  const ws = await c.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {});
  expect(ws.status).toBe(200);
  return { c, id, candidateId: inv!.candidateId, ws: ws.body.workspace.id };
}

async function save(c: Client, ws: number, content: string): Promise<Response> {
  const cur = await c.request("GET", `/api/workspaces/${ws}/files/content?path=${SRC}`);
  const etag = cur.headers.get("etag") ?? '"none"';
  return c.request("PUT", `/api/workspaces/${ws}/files/content?path=${SRC}`, { content }, { "if-match": etag });
}

function upgrade(c: Client, ws: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(`${lab.url.replace("http", "ws")}/api/workspaces/${ws}/terminal`, {
      headers: { origin: lab.url, cookie: c.cookie },
    });
    s.on("upgrade", () => {
      s.close();
      resolve(101);
    });
    s.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    s.on("error", reject);
  });
}

const problem = async (res: Response) => ({
  status: res.status,
  type: res.headers.get("content-type") ?? "",
  body: (await res.json()) as { type: string; detail: string; rows?: unknown },
});

beforeAll(async () => {
  lab = await startTestLab({ GRADING_CONCURRENCY: "1" }, { driver: new FakeDriver() });
  db = new Database(path.join(lab.dataDir, "backlab.db"));
  admin = await Client.signup(lab.url, "admin");
  db.run("UPDATE users SET role = 'admin'");
}, 60_000);

afterAll(async () => {
  db?.close();
  await lab?.close();
});

describe("invites", () => {
  it("refuses a reused, a revoked, an expired and an unknown link, each with its own 4xx problem", async () => {
    const id = await assessment();
    const [used, revoked, expired] = await invite(id, [{ name: "Ada" }, { email: "bob@example.test" }, {}]);
    expect((await claim(used!.token)).status).toBe(200);
    const again = await claim(used!.token);
    expect([again.status, again.body.type]).toEqual([410, "/problems/invite-used"]);
    expect((await admin.json("DELETE", `/api/assessments/${id}/candidates/${revoked!.candidateId}`)).status).toBe(200);
    const r = await claim(revoked!.token);
    expect([r.status, r.body.type]).toEqual([410, "/problems/invite-revoked"]);
    db.run("UPDATE assessment_candidates SET invite_expires_at = ? WHERE id = ?", [
      minutesFromNow(-1),
      expired!.candidateId,
    ]);
    const e = await claim(expired!.token);
    expect([e.status, e.body.type]).toEqual([410, "/problems/invite-expired"]);
    // A resend makes a fresh link; the old one is unknown from then on.
    const resent = await admin.json<{ invited: { url: string } }>(
      "POST",
      `/api/assessments/${id}/candidates/${expired!.candidateId}/resend`,
      {},
    );
    expect((await claim(expired!.token)).status).toBe(404);
    expect((await claim(resent.body.invited.url.split("/take/")[1]!)).status).toBe(200);
  });

  it("creates nothing from a CSV with broken rows and names each one", async () => {
    const id = await assessment();
    const csv =
      'name,email\nAda Lovelace,ada@example.test\n"Hopper, Grace",not-an-email\n,ada@example.test\nOnly,two,many\n';
    const res = await admin.request("POST", `/api/assessments/${id}/invites/csv`, { csv });
    const p = await problem(res);
    expect(p.status).toBe(422);
    expect(p.type).toContain("application/problem+json");
    expect(p.body.rows).toEqual([
      { row: 3, errors: [expect.stringMatching(/email/)] },
      { row: 4, errors: [expect.stringMatching(/already on line 2/)] },
      { row: 5, errors: [expect.stringMatching(/3 cells/)] },
    ]);
    expect(
      db.get<{ n: number }>("SELECT count(*) AS n FROM assessment_candidates WHERE assessment_id = ?", [id])!.n,
    ).toBe(0);
    const ok = await admin.json<{ invited: { name: string; email: string }[] }>(
      "POST",
      `/api/assessments/${id}/invites/csv`,
      { csv: 'name,email\nAda,ada@example.test\n"Hopper, Grace",\n' },
    );
    expect(ok.status).toBe(201);
    expect(ok.body.invited.map((x) => [x.name, x.email])).toEqual([
      ["Ada", "ada@example.test"],
      ["Hopper, Grace", null],
    ]);
  });

  it("lets a public link be claimed up to its limit", async () => {
    const id = await assessment();
    const link = await admin.json<{ link: { url: string } }>("POST", `/api/assessments/${id}/links`, { claimLimit: 2 });
    const token = link.body.link.url.split("/take/")[1]!;
    expect((await claim(token)).status).toBe(200);
    expect((await claim(token)).status).toBe(200);
    const third = await claim(token);
    expect([third.status, third.body.type]).toEqual([410, "/problems/claim-limit"]);
  });
});

describe("a candidate account", () => {
  it("reaches its assessment only: other exercises, the catalog and every other route are 404; hints and the solution stay closed", async () => {
    const { c } = await started();
    for (const [m, u] of [
      ["GET", "/api/exercises"],
      ["GET", "/api/exercises/refresh-rotation"],
      ["POST", "/api/exercises/refresh-rotation/workspace"],
      ["GET", `/api/exercises/${EXERCISE}/hints`],
      ["GET", `/api/exercises/${EXERCISE}/solution`],
      ["GET", "/api/progress"],
      ["GET", "/api/assessments"],
      ["GET", "/api/auth/sessions"],
      ["GET", "/api/openapi.json"],
    ] as const) {
      const res = await c.request(m, u, m === "POST" ? {} : undefined);
      expect(res.status, `${m} ${u}`).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await c.json("GET", `/api/exercises/${EXERCISE}`)).status).toBe(200);
  });

  it("sees no exercise before Start, and cannot start after the window closed", async () => {
    const id = await assessment({ opensAt: minutesFromNow(-10), closesAt: minutesFromNow(1) });
    const [inv] = await invite(id);
    const { c } = await claim(inv!.token);
    expect((await c.json("GET", `/api/exercises/${EXERCISE}`)).status).toBe(409);
    db.run("UPDATE assessments SET closes_at = ? WHERE id = ?", [minutesFromNow(-1), id]);
    const p = await problem(await c.request("POST", "/api/candidate/start", {}));
    expect([p.status, p.body.type]).toEqual([410, "/problems/window-closed"]);
  });

  it("gets the feedback submissions the assessment allows, test names only", async () => {
    const { c } = await started({ feedbackSubmissions: 1, visibility: "test-names" });
    const first = await c.json<{ submission: { id: number } }>("POST", `/api/exercises/${EXERCISE}/submissions`, {});
    expect(first.status).toBe(202);
    const second = await problem(await c.request("POST", `/api/exercises/${EXERCISE}/submissions`, {}));
    expect([second.status, second.body.type]).toEqual([409, "/problems/no-feedback-left"]);
    let sub: { status: string; result: { tests: { message: unknown; output: unknown }[] } | null } | undefined;
    for (let i = 0; i < 100 && sub?.status !== "done" && sub?.status !== "error"; i++) {
      sub = (await c.json<{ submission: typeof sub }>("GET", `/api/submissions/${first.body.submission.id}`)).body
        .submission;
      await sleep(100);
    }
    for (const t of sub!.result?.tests ?? []) expect([t.message, t.output]).toEqual([null, null]);
  });
});

describe("the server's timer", () => {
  it("computes the deadline from start, duration and extensions, capped by the window's close plus slack", async () => {
    const { c, id, candidateId } = await started({
      durationMinutes: 30,
      closesAt: minutesFromNow(60),
      slackMinutes: 10,
    });
    type State = {
      candidate: { startedAt: string; deadline: string; baseDeadline: string };
      serverNow: string;
      remainingMs: number;
    };
    const s = (await c.json<State>("GET", "/api/candidate/assessment")).body;
    expect(Date.parse(s.candidate.deadline) - Date.parse(s.candidate.startedAt)).toBe(30 * 60_000);
    // Mid-way: 15 minutes more, then a factor of 1.5 (45 min) plus those 15: the window (70 min) caps it.
    expect(
      (await admin.json("POST", `/api/assessments/${id}/candidates/${candidateId}/time`, { extraMinutes: 15 })).status,
    ).toBe(200);
    let now = (await c.json<State>("GET", "/api/candidate/assessment")).body;
    expect(Date.parse(now.candidate.deadline) - Date.parse(now.candidate.startedAt)).toBe(45 * 60_000);
    expect(now.candidate.baseDeadline).toBe(s.candidate.deadline);
    await admin.json("POST", `/api/assessments/${id}/candidates/${candidateId}/time`, { timeFactor: 2 });
    now = (await c.json<State>("GET", "/api/candidate/assessment")).body;
    const windowEnd =
      Date.parse(db.get<{ closes_at: string }>("SELECT closes_at FROM assessments WHERE id = ?", [id])!.closes_at) +
      10 * 60_000;
    expect(Date.parse(now.candidate.deadline)).toBe(windowEnd);
    expect(
      db.get<{ n: number }>("SELECT count(*) AS n FROM assessment_extensions WHERE candidate_id = ?", [candidateId])!.n,
    ).toBe(2);
  });

  it("counts down from the server's clock: a wrong client clock changes nothing, and the page cannot send times", async () => {
    const { c } = await started();
    const a = await c.json<{ remainingMs: number; serverNow: string }>("GET", "/api/candidate/assessment");
    // A client that claims to live a day ahead (Date header) sees the same remaining time.
    const skewed = await c.request("GET", "/api/candidate/assessment", undefined, {
      date: new Date(Date.now() + 86_400_000).toUTCString(),
    });
    const b = (await skewed.json()) as { remainingMs: number; serverNow: string };
    expect(Math.abs(Date.parse(b.serverNow) - Date.now())).toBeLessThan(5_000);
    expect(a.body.remainingMs - b.remainingMs).toBeGreaterThanOrEqual(0);
    expect(a.body.remainingMs - b.remainingMs).toBeLessThan(5_000);
    const withTime = await problem(
      await c.request("POST", "/api/candidate/events", { events: [{ kind: "blur", at: "2000-01-01T00:00:00Z" }] }),
    );
    expect(withTime.status).toBe(400);
  });

  it("keeps a save in flight within the grace, refuses every write path afterwards, and grades the final snapshot by itself", async () => {
    // The window closes 3 s from now: the deadline is the window's close.
    const { c, ws, candidateId } = await started({ closesAt: new Date(Date.now() + 3_000).toISOString() });
    const deadline = Date.parse(
      db.get<{ deadline_at: string }>("SELECT deadline_at FROM assessment_candidates WHERE id = ?", [candidateId])!
        .deadline_at,
    );
    expect((await save(c, ws, "// before the deadline\n")).status).toBe(200);
    await sleep(deadline - Date.now() + 1_000);
    // 1 s past the deadline: the terminal is closed, a save still lands (grace).
    expect(await upgrade(c, ws)).toBe(409);
    expect((await save(c, ws, "// in flight at the deadline\n")).status).toBe(200);
    await sleep(deadline + 5_000 + 1_500 - Date.now());
    const writes: [string, Response][] = [
      ["save", await save(c, ws, "// too late\n")],
      [
        "create",
        await c.request("POST", `/api/workspaces/${ws}/files`, { type: "file", path: "late.txt", content: "x" }),
      ],
      ["move", await c.request("POST", `/api/workspaces/${ws}/files/move`, { from: SRC, to: "src/moved.ts" })],
      ["delete", await c.request("DELETE", `/api/workspaces/${ws}/files?path=${SRC}`)],
      ["submit", await c.request("POST", `/api/exercises/${EXERCISE}/submissions`, {})],
      ["events", await c.request("POST", "/api/candidate/events", { events: [{ kind: "focus" }] })],
    ];
    for (const [what, res] of writes) {
      const p = await problem(res);
      expect([what, p.status, p.body.type]).toEqual([what, 409, "/problems/time-up"]);
    }
    expect(await upgrade(c, ws)).toBe(409);
    // The final snapshot holds the save from the grace period, and is graded.
    const final = db.get<{ submission_id: number; snapshot_hash: string }>(
      "SELECT * FROM assessment_finals WHERE candidate_id = ?",
      [candidateId],
    )!;
    expect(final.snapshot_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(path.join(lab.dataDir, "submissions", String(final.submission_id), SRC), "utf8")).toBe(
      "// in flight at the deadline\n",
    );
    // Graded by the queue with nobody asking (the double's sandbox makes the grader report an error; real grading is in the e2e).
    let status = "";
    for (let i = 0; i < 100 && !["done", "error"].includes(status); i++, await sleep(100))
      status = db.get<{ status: string }>("SELECT status FROM submissions WHERE id = ?", [final.submission_id])!.status;
    expect(["done", "error"]).toContain(status);
    expect(db.get("SELECT signature FROM results WHERE submission_id = ?", [final.submission_id])).toMatchObject({
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const s = await c.json<{ candidate: { status: string; finishReason: string } }>("GET", "/api/candidate/assessment");
    expect([s.body.candidate.status, s.body.candidate.finishReason]).toEqual(["submitted", "deadline"]);
  }, 30_000);
});

describe("durability", () => {
  it("hands in at start a candidate whose deadline passed while the lab was down", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-hiring-"));
    const config = loadConfig({
      PORT: "0",
      DATA_DIR: dataDir,
      RUNTIME_DIR: TEST_RUNTIME_DIR,
      LOG_LEVEL: "silent",
      NODE_ENV: "test",
      SANDBOX_DRIVER: "bwrap",
      SANDBOX_POOL_SIZE: "0",
    });
    let l: Lab = await startLab(config, createLogger("silent"), { driver: new FakeDriver() });
    try {
      const boss = await Client.signup(l.url, "boss");
      const d = new Database(path.join(dataDir, "backlab.db"));
      d.run("UPDATE users SET role = 'admin'");
      const a = await boss.json<{ assessment: { id: number } }>("POST", "/api/assessments", {
        title: "T",
        exercises: [{ id: EXERCISE }],
        durationMinutes: 60,
        opensAt: minutesFromNow(-5),
        closesAt: minutesFromNow(60),
      });
      const inv = await boss.json<{ invited: { candidateId: number; url: string }[] }>(
        "POST",
        `/api/assessments/${a.body.assessment.id}/invites`,
        { candidates: [{}] },
      );
      const c = new Client(l.url);
      const r = await c.json<{ csrfToken: string }>("POST", "/api/assessment-invites/claim", {
        token: inv.body.invited[0]!.url.split("/take/")[1],
      });
      c.csrf = r.body.csrfToken;
      await c.json("POST", "/api/candidate/start", {});
      await l.close();
      // The lab is down across the deadline.
      const cid = inv.body.invited[0]!.candidateId;
      d.run("UPDATE assessment_candidates SET deadline_at = ? WHERE id = ?", [minutesFromNow(-1), cid]);
      l = await startLab(config, createLogger("silent"), { driver: new FakeDriver() });
      let finals: { submission_id: number }[] = [];
      for (let i = 0; i < 50 && !finals.length; i++, await sleep(100))
        finals = d.all("SELECT submission_id FROM assessment_finals WHERE candidate_id = ?", [cid]);
      expect(finals).toHaveLength(1);
      expect(
        d.get<{ finish_reason: string }>("SELECT finish_reason FROM assessment_candidates WHERE id = ?", [cid])!
          .finish_reason,
      ).toBe("deadline");
      d.close();
    } finally {
      await l.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
