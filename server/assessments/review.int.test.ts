import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { ROOT_DIR } from "../config.ts";
import { Database } from "../db/database.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

/**
 * The reviewer's side on a real lab (sandbox double: grading is not the subject): two
 * candidates, B with A's code; the board, blind names and the audit log, rubric bounds,
 * decisions, CSV/JSON export, similarity by Dolos with fragments, the signed record, and a
 * 5 MB paste refused without losing the saved file.
 */

const EXERCISE = "token-bucket";
const SRC = "src/token-bucket.ts";
const SOLUTION = fs.readFileSync(path.join(ROOT_DIR, "exercises", "code-patterns", EXERCISE, "solution", SRC), "utf8");
let lab: TestLab;
let admin: Client;
let db: Database;
let assessment: number;
const people: { c: Client; candidateId: number; ws: number; pseudonym: string }[] = [];

async function save(c: Client, ws: number, content: string): Promise<Response> {
  const cur = await c.request("GET", `/api/workspaces/${ws}/files/content?path=${SRC}`);
  return c.request(
    "PUT",
    `/api/workspaces/${ws}/files/content?path=${SRC}`,
    { content },
    { "if-match": cur.headers.get("etag")! },
  );
}

beforeAll(async () => {
  lab = await startTestLab({ GRADING_CONCURRENCY: "1" }, { driver: new FakeDriver() });
  db = new Database(path.join(lab.dataDir, "backlab.db"));
  admin = await Client.signup(lab.url, "admin");
  db.run("UPDATE users SET role = 'admin'");
  const a = await admin.json<{ assessment: { id: number } }>("POST", "/api/assessments", {
    title: "Rate limiting take-home",
    exercises: [{ id: EXERCISE }],
    durationMinutes: 60,
    opensAt: new Date(Date.now() - 60_000).toISOString(),
    closesAt: new Date(Date.now() + 3_600_000).toISOString(),
    rubric: [
      { name: "Correctness", description: "" },
      { name: "Clarity", description: "" },
    ],
  });
  assessment = a.body.assessment.id;
  const inv = await admin.json<{ invited: { candidateId: number; pseudonym: string; url: string }[] }>(
    "POST",
    `/api/assessments/${assessment}/invites`,
    { candidates: [{ name: "Ada Lovelace", email: "ada@example.test" }, { name: "Bob Paste" }] },
  );
  for (const x of inv.body.invited) {
    const c = new Client(lab.url);
    const r = await c.json<{ csrfToken: string }>("POST", "/api/assessment-invites/claim", {
      token: x.url.split("/take/")[1],
    });
    c.csrf = r.body.csrfToken;
    await c.json("POST", "/api/candidate/start", {});
    const ws = await c.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {});
    people.push({ c, candidateId: x.candidateId, ws: ws.body.workspace.id, pseudonym: x.pseudonym });
  }
  const [A, B] = people as [(typeof people)[0], (typeof people)[0]];
  // A writes the solution; B pastes it (the page reports the paste) and both hand in.
  expect((await save(A.c, A.ws, SOLUTION)).status).toBe(200);
  expect(
    (
      await B.c.json("POST", "/api/candidate/events", {
        events: [
          { kind: "paste", exerciseId: EXERCISE, path: SRC, chars: SOLUTION.length },
          { kind: "blur" },
          { kind: "focus" },
        ],
      })
    ).status,
  ).toBe(200);
  expect((await save(B.c, B.ws, SOLUTION.replace(/tokens/g, "budget"))).status).toBe(200);
  for (const p of people) expect((await p.c.json("POST", "/api/candidate/hand-in", {})).status).toBe(200);
}, 60_000);

afterAll(async () => {
  db?.close();
  await lab?.close();
});

describe("the board", () => {
  it("lists both candidates blind, flags B's paste and both for similarity, and sorts", async () => {
    const r = await admin.json<{
      candidates: { pseudonym: string; name: string | null; status: string; flags: string[]; timeUsedMs: number }[];
    }>("GET", `/api/assessments/${assessment}/candidates?sort=pseudonym&order=desc`);
    expect(r.status).toBe(200);
    expect(r.body.candidates.map((c) => c.pseudonym)).toEqual(
      people
        .map((p) => p.pseudonym)
        .sort()
        .reverse(),
    );
    for (const c of r.body.candidates) {
      expect(c.name).toBeNull();
      expect(c.status).toBe("submitted");
      expect(c.flags.some((f) => f.startsWith("similar code"))).toBe(true);
    }
    const b = r.body.candidates.find((c) => c.pseudonym === people[1]!.pseudonym)!;
    expect(b.flags).toEqual(expect.arrayContaining(["1 large paste", "left the page 1×"]));
  });

  it("shows the matching fragments side by side (Dolos), the starter ignored", async () => {
    const r = await admin.json<{
      pairs: {
        left: string;
        right: string;
        similarity: number;
        flagged: boolean;
        fragments: { left: { text: string }; right: { text: string } }[];
      }[];
    }>("GET", `/api/assessments/${assessment}/similarity`);
    expect(r.status).toBe(200);
    const ab = r.body.pairs.find(
      (p) =>
        [p.left, p.right].sort().join() ===
        people
          .map((x) => x.pseudonym)
          .sort()
          .join(),
    )!;
    expect(ab.flagged).toBe(true);
    expect(ab.similarity).toBeGreaterThanOrEqual(0.5);
    expect(ab.fragments.length).toBeGreaterThan(0);
    expect(ab.fragments[0]!.left.text.length).toBeGreaterThan(0);
    expect(ab.fragments[0]!.right.text.length).toBeGreaterThan(0);
    // Each is also compared with the reference solution.
    expect(r.body.pairs.some((p) => p.left === "solution" || p.right === "solution")).toBe(true);
  });
});

describe("a candidate's page", () => {
  it("has the code against the starter, the timeline on the server's clock and a signed record", async () => {
    const B = people[1]!;
    const r = await admin.json<{
      finals: { files: { path: string; change: string; final: string }[]; snapshotHash: string }[];
      timeline: { kind: string; detail: Record<string, unknown> }[];
      record: { body: string; signature: string };
    }>("GET", `/api/assessments/${assessment}/candidates/${B.candidateId}`);
    expect(r.status).toBe(200);
    expect(r.body.finals[0]!.files).toContainEqual(expect.objectContaining({ path: SRC, change: "modified" }));
    const kinds = r.body.timeline.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["start", "paste", "blur", "focus", "final-submission", "handed-in"]));
    expect(kinds.indexOf("start")).toBe(0);
    const record = JSON.parse(r.body.record.body) as {
      startedAt: string;
      deadline: string;
      finals: { snapshotSha256: string }[];
    };
    expect(record.finals[0]!.snapshotSha256).toBe(r.body.finals[0]!.snapshotHash);
    expect(
      (await admin.json<{ valid: boolean }>("POST", "/api/assessments/record/verify", r.body.record)).body.valid,
    ).toBe(true);
    const forged = r.body.record.body.replace(
      record.deadline,
      new Date(Date.parse(record.deadline) + 3_600_000).toISOString(),
    );
    expect(
      (
        await admin.json<{ valid: boolean }>("POST", "/api/assessments/record/verify", {
          ...r.body.record,
          body: forged,
        })
      ).body.valid,
    ).toBe(false);
  });

  it("refuses a rubric score out of range and an unknown criterion, keeps good ones per reviewer", async () => {
    const A = people[0]!;
    const url = `/api/assessments/${assessment}/candidates/${A.candidateId}/rubric`;
    for (const bad of [
      { criterion: 0, score: 6 },
      { criterion: 0, score: 0 },
      { criterion: 0, score: 2.5 },
      { criterion: 7, score: 3 },
    ]) {
      const res = await admin.request("PUT", url, { scores: [bad] });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(db.get<{ n: number }>("SELECT count(*) AS n FROM rubric_scores")!.n).toBe(0);
    expect(
      (
        await admin.request("PUT", url, {
          scores: [
            { criterion: 0, score: 4, note: "solid" },
            { criterion: 1, score: 5 },
          ],
        })
      ).status,
    ).toBe(204);
    const board = await admin.json<{ candidates: { id: number; rubricAverage: number }[] }>(
      "GET",
      `/api/assessments/${assessment}/candidates`,
    );
    expect(board.body.candidates.find((c) => c.id === A.candidateId)!.rubricAverage).toBe(4.5);
  });

  it("reveals the name only after a decision, and audits each view and change", async () => {
    const A = people[0]!;
    expect(
      (
        await admin.json("PUT", `/api/assessments/${assessment}/candidates/${A.candidateId}/decision`, {
          decision: "maybe",
          comment: "x",
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await admin.request("PUT", `/api/assessments/${assessment}/candidates/${A.candidateId}/decision`, {
          decision: "advance",
          comment: "Strong design",
        })
      ).status,
    ).toBe(204);
    const d = await admin.json<{ candidate: { name: string; email: string; decision: string } }>(
      "GET",
      `/api/assessments/${assessment}/candidates/${A.candidateId}`,
    );
    expect([d.body.candidate.name, d.body.candidate.email, d.body.candidate.decision]).toEqual([
      "Ada Lovelace",
      "ada@example.test",
      "advance",
    ]);
    const audit = await admin.json<{
      entries: { action: string; candidateId: number | null; detail: string | null }[];
    }>("GET", `/api/assessments/${assessment}/audit`);
    const mine = audit.body.entries.filter((e) => e.candidateId === A.candidateId).map((e) => e.action);
    expect(mine).toEqual(expect.arrayContaining(["rubric-scored", "decision", "name-viewed"]));
    // Before the decision no name was shown, so no name view was logged before it.
    expect(mine.indexOf("name-viewed")).toBeGreaterThan(mine.indexOf("decision"));
  });

  it("exports the board as CSV and JSON, names only where decided, formulas defused", async () => {
    const csv = await admin.request("GET", `/api/assessments/${assessment}/export?format=csv`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(
      /^candidate,name,status,started_at,minutes_used,score,max_score,.*flags,rubric_average,decision$/,
    );
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(people[0]!.pseudonym))).toMatch(/Ada Lovelace,submitted.*advance$/);
    expect(lines.find((l) => l.startsWith(people[1]!.pseudonym))).not.toMatch(/Bob/);
    const json = await admin.json<{ candidates: unknown[] }>(
      "GET",
      `/api/assessments/${assessment}/export?format=json`,
    );
    expect(json.body.candidates).toHaveLength(2);
  });
});

describe("bad input from the candidate's page", () => {
  it("refuses a 5 MB paste saved into the editor with a clear 413 and keeps the saved file", async () => {
    const id = (
      await admin.json<{ assessment: { id: number } }>("POST", "/api/assessments", {
        title: "Paste",
        exercises: [{ id: EXERCISE }],
        durationMinutes: 30,
        opensAt: new Date(Date.now() - 60_000).toISOString(),
        closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      })
    ).body.assessment.id;
    const inv = await admin.json<{ invited: { url: string }[] }>("POST", `/api/assessments/${id}/invites`, {
      candidates: [{}],
    });
    const c = new Client(lab.url);
    c.csrf = (
      await c.json<{ csrfToken: string }>("POST", "/api/assessment-invites/claim", {
        token: inv.body.invited[0]!.url.split("/take/")[1],
      })
    ).body.csrfToken;
    await c.json("POST", "/api/candidate/start", {});
    const ws = (await c.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {})).body
      .workspace.id;
    expect((await save(c, ws, "// kept\n")).status).toBe(200);
    const big = await save(c, ws, "x".repeat(5 * 1024 * 1024));
    expect(big.status).toBe(413);
    expect(big.headers.get("content-type")).toContain("application/problem+json");
    expect(
      (await c.json<{ file: { content: string } }>("GET", `/api/workspaces/${ws}/files/content?path=${SRC}`)).body.file
        .content,
    ).toBe("// kept\n");
    // The paste itself is reported by size only, which is accepted.
    expect(
      (
        await c.json("POST", "/api/candidate/events", {
          events: [{ kind: "paste", exerciseId: EXERCISE, chars: 5 * 1024 * 1024 }],
        })
      ).status,
    ).toBe(200);
  });
});
