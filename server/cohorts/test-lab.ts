import path from "node:path";
import WebSocket from "ws";
import { expect } from "vitest";
import { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

/**
 * Shared by the cohort integration tests (cohorts, pacing, live-room .int.test.ts): a real lab
 * (real database, sessions, workspaces; the sandbox is a double) with two instructors and two
 * learners, the cohort they meet in, and readers for its terminals and event streams.
 */

export const FIRST = "token-bucket";
export const SECOND = "typed-errors-di";

export type CohortLab = { lab: TestLab; db: Database; ann: Client; ben: Client; lea: Client; leo: Client };

/** ann and ben are instructors, lea and leo learners. */
export async function startCohortLab(): Promise<CohortLab> {
  const lab = await startTestLab({ GRADING_CONCURRENCY: "1" }, { driver: new FakeDriver() });
  const db = new Database(path.join(lab.dataDir, "backlab.db"));
  const as = async (role: "instructor" | "learner", name: string): Promise<Client> => {
    const c = await Client.signup(lab.url, name);
    if (role !== "learner") {
      const me = await c.json<{ user: { id: number } }>("GET", "/api/auth/me");
      db.run("UPDATE users SET role = ? WHERE id = ?", [role, me.body.user.id]);
    }
    return c;
  };
  return {
    lab,
    db,
    ann: await as("instructor", "ann"),
    ben: await as("instructor", "ben"),
    lea: await as("learner", "lea"),
    leo: await as("learner", "leo"),
  };
}

export async function closeCohortLab(t: CohortLab | undefined): Promise<void> {
  t?.db.close();
  await t?.lab.close();
}

/** ann's two-seat cohort on FIRST and SECOND (pseudonym leaderboard), with lea and leo joined by its link. */
export async function seedCohort(t: CohortLab): Promise<{ cohortId: number; joinCode: string }> {
  const r = await t.ann.json<{ cohort: { id: number; joinCode: string } }>("POST", "/api/cohorts", {
    name: "Backend day",
    description: "One day, two exercises",
    track: [FIRST, SECOND],
    seats: 2,
    leaderboard: "pseudonyms",
  });
  expect(r.status).toBe(201);
  for (const c of [t.lea, t.leo])
    expect((await c.json("POST", "/api/cohort-joins", { code: r.body.cohort.joinCode })).status).toBe(200);
  return { cohortId: r.body.cohort.id, joinCode: r.body.cohort.joinCode };
}

export const idOf = async (c: Client) =>
  (await c.json<{ user: { id: number; email: string } }>("GET", "/api/auth/me")).body.user;

/** Opens a WebSocket to a terminal and resolves with the upgrade's status (101 or the refusal). */
export function openTerminal(
  base: string,
  c: Client,
  ws: number,
  mode?: string,
): Promise<{ status: number; socket?: WebSocket; reason?: string }> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(
      `${base.replace("http", "ws")}/api/workspaces/${ws}/terminal${mode ? `?mode=${mode}` : ""}`,
      { headers: { origin: base, cookie: c.cookie } },
    );
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
export async function readEvents(
  base: string,
  c: Client,
  url: string,
  until: (type: string, data: unknown) => boolean,
  ms = 5000,
): Promise<unknown> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), ms);
  try {
    const res = await fetch(base + url, { headers: { cookie: c.cookie }, signal: ctrl.signal });
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
