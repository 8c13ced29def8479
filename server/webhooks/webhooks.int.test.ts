import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../config.ts";
import { Database } from "../db/database.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { Client, startTestLab, waitForResult, type TestLab } from "../test/lab.ts";

/** A receiver on loopback: records every request; `answer` decides each status. */
class Receiver {
  requests: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  answer: (n: number, path: string) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  private server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      this.requests.push({ path: req.url ?? "", headers: req.headers, body });
      const a = this.answer(this.requests.length, req.url ?? "");
      res.writeHead(a.status, a.headers).end();
    });
  });
  url = "";
  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  close = () => new Promise<void>((r) => this.server.close(() => r()));
  async until(n: number, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.requests.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    expect(this.requests.length, `the receiver got ${this.requests.length} of ${n} requests`).toBeGreaterThanOrEqual(n);
  }
}

/**
 * Standard Webhooks verification written here from the spec, not with the library the lab
 * signs with: HMAC-SHA256 over `id.timestamp.body` with the base64 key after `whsec_`, each
 * signature `v1,<base64>`, space-separated.
 */
function verifies(secret: string, r: { headers: http.IncomingHttpHeaders; body: string }): boolean {
  const id = String(r.headers["webhook-id"]);
  const ts = String(r.headers["webhook-timestamp"]);
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const want = crypto
    .createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
    .update(`${id}.${ts}.${r.body}`)
    .digest();
  return String(r.headers["webhook-signature"])
    .split(" ")
    .some((s) => {
      const got = Buffer.from(s.slice(3), "base64");
      return s.startsWith("v1,") && got.length === want.length && crypto.timingSafeEqual(got, want);
    });
}

const ENV = { WEBHOOK_ALLOW_NETWORKS: "127.0.0.0/8,::1/128", WEBHOOK_RETRY_SECONDS: "1,1,1" };

async function adminOf(lab: { url: string; dataDir: string }): Promise<Client> {
  const c = await Client.signup(lab.url, "hooks-admin");
  const db = new Database(path.join(lab.dataDir, "backlab.db"));
  db.run("UPDATE users SET role = 'admin' WHERE id = (SELECT max(id) FROM users)");
  db.close();
  return c;
}

type Endpoint = { endpoint: { id: number; enabled: boolean; disabledReason: string | null }; secret: string };
type Deliveries = {
  deliveries: { msgId: string; status: string; attempts: number; lastStatus: number | null; eventType: string }[];
};

describe("webhooks", () => {
  let lab: TestLab;
  let admin: Client;
  let rx: Receiver;
  beforeAll(async () => {
    lab = await startTestLab(ENV);
    admin = await adminOf(lab);
    rx = await new Receiver().listen();
  });
  afterAll(async () => {
    await lab?.close();
    await rx?.close();
  });

  it("delivers submission.graded signed; a 500 is retried with the same webhook-id, then delivered", async () => {
    rx.requests = [];
    rx.answer = (n) => ({ status: n === 1 ? 500 : 200 });
    const made = await admin.json<Endpoint>("POST", "/api/webhooks", {
      url: `${rx.url}/graded`,
      events: ["submission.graded"],
    });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^whsec_/);
    const learner = await Client.signup(lab.url, "hooked");
    await learner.json("POST", "/api/exercises/token-bucket/workspace", {});
    const sub = await learner.json<{ submission: { id: number } }>(
      "POST",
      "/api/exercises/token-bucket/submissions",
      {},
    );
    const result = await waitForResult(learner, sub.body.submission.id);
    await rx.until(2);
    const [first, second] = rx.requests;
    expect(first!.headers["webhook-id"]).toBe(second!.headers["webhook-id"]);
    expect(verifies(made.body.secret, second!)).toBe(true);
    expect(verifies("whsec_" + crypto.randomBytes(24).toString("base64"), second!)).toBe(false);
    const payload = JSON.parse(second!.body) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({
      type: "submission.graded",
      data: {
        submission_id: sub.body.submission.id,
        exercise_id: "token-bucket",
        status: result.status,
        score: result.score,
      },
    });
    const log = await admin.json<Deliveries>("GET", `/api/webhooks/${made.body.endpoint.id}/deliveries`);
    expect(log.body.deliveries[0]).toMatchObject({
      status: "delivered",
      attempts: 2,
      lastStatus: 200,
      eventType: "submission.graded",
      msgId: first!.headers["webhook-id"],
    });
    await admin.json("DELETE", `/api/webhooks/${made.body.endpoint.id}`);
  });

  it("does not follow a redirect, disables an endpoint that answers 410, and signs with both secrets while rotating", async () => {
    rx.requests = [];
    rx.answer = (n, p) =>
      p === "/elsewhere"
        ? { status: 200 }
        : n === 1
          ? { status: 302, headers: { location: `${rx.url}/elsewhere` } }
          : { status: 410 };
    const made = await admin.json<Endpoint>("POST", "/api/webhooks", {
      url: `${rx.url}/gone`,
      events: ["webhook.test"],
    });
    const rotated = await admin.json<{ secret: string }>("POST", `/api/webhooks/${made.body.endpoint.id}/rotate`, {});
    expect(rotated.body.secret).not.toBe(made.body.secret);
    expect((await admin.json("POST", `/api/webhooks/${made.body.endpoint.id}/test`, {})).status).toBe(202);
    await rx.until(2);
    expect(rx.requests.map((r) => r.path)).toEqual(["/gone", "/gone"]);
    expect(String(rx.requests[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verifies(made.body.secret, rx.requests[0]!) && verifies(rotated.body.secret, rx.requests[0]!)).toBe(true);
    const until = Date.now() + 5000;
    let ep: Endpoint["endpoint"] | undefined;
    while (Date.now() < until) {
      ep = (await admin.json<{ endpoints: Endpoint["endpoint"][] }>("GET", "/api/webhooks")).body.endpoints.find(
        (e) => e.id === made.body.endpoint.id,
      );
      if (ep && !ep.enabled) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(ep).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/410/) });
    expect(
      (await admin.json<Deliveries>("GET", `/api/webhooks/${made.body.endpoint.id}/deliveries`)).body.deliveries[0],
    ).toMatchObject({ status: "failed", lastStatus: 410 });
  });

  it("reports cohort joins, raised hands, started and completed assessments, each once", async () => {
    rx.requests = [];
    rx.answer = () => ({ status: 204 });
    const events = [
      "cohort.member.joined",
      "cohort.help.requested",
      "assessment.invite.started",
      "assessment.completed",
    ];
    const made = await admin.json<Endpoint>("POST", "/api/webhooks", { url: `${rx.url}/live`, events });
    expect(made.status).toBe(201);
    const cohort = await admin.json<{ cohort: { id: number; joinCode: string } }>("POST", "/api/cohorts", {
      name: "Hooked day",
      track: ["token-bucket"],
      seats: 3,
    });
    expect(cohort.status, JSON.stringify(cohort.body)).toBe(201);
    const member = await Client.signup(lab.url, "joiner");
    const memberId = (await member.json<{ user: { id: number } }>("GET", "/api/auth/me")).body.user.id;
    for (let i = 0; i < 2; i++)
      // joining again is a no-op: one event
      expect((await member.json("POST", "/api/cohort-joins", { code: cohort.body.cohort.joinCode })).status).toBe(200);
    const hand = `/api/cohorts/${cohort.body.cohort.id}/hand`;
    expect((await member.json("POST", hand, { message: "stuck on refill" })).status).toBe(201);
    // Raising it again edits the message of the same hand: not a new request for help.
    expect((await member.json("POST", hand, { message: "still stuck" })).status).toBeLessThan(300);

    const hour = 60 * 60_000;
    const a = await admin.json<{ assessment: { id: number } }>("POST", "/api/assessments", {
      title: "Hooked take-home",
      exercises: [{ id: "token-bucket" }],
      durationMinutes: 60,
      opensAt: new Date(Date.now() - hour).toISOString(),
      closesAt: new Date(Date.now() + 24 * hour).toISOString(),
    });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const inv = await admin.json<{ invited: { candidateId: number; url: string }[] }>(
      "POST",
      `/api/assessments/${a.body.assessment.id}/invites`,
      { candidates: [{}] },
    );
    const candidate = new Client(lab.url);
    const claimed = await candidate.json<{ csrfToken: string }>("POST", "/api/assessment-invites/claim", {
      token: inv.body.invited[0]!.url.split("/take/")[1],
    });
    candidate.csrf = claimed.body.csrfToken;
    for (let i = 0; i < 2; i++) expect((await candidate.json("POST", "/api/candidate/start", {})).status).toBe(200);
    expect((await candidate.json("POST", "/api/candidate/hand-in", {})).status).toBe(200);

    await rx.until(4);
    await new Promise((r) => setTimeout(r, 500)); // nothing more is coming
    const got = rx.requests.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
    expect(got.map((e) => e.type).sort()).toEqual([...events].sort());
    expect(rx.requests.every((r) => verifies(made.body.secret, r))).toBe(true);
    const by = (t: string) => got.find((e) => e.type === t)!.data;
    expect(by("cohort.member.joined")).toEqual({ cohort_id: cohort.body.cohort.id, user_id: memberId });
    expect(by("cohort.help.requested")).toMatchObject({ user_id: memberId, message: "stuck on refill" });
    const candidateId = inv.body.invited[0]!.candidateId;
    expect(by("assessment.invite.started")).toMatchObject({
      assessment_id: a.body.assessment.id,
      candidate_id: candidateId,
    });
    expect(by("assessment.completed")).toMatchObject({
      candidate_id: candidateId,
      finish_reason: expect.any(String),
      submissions: [{ exercise_id: "token-bucket", submission_id: expect.any(Number) }],
    });
    await admin.json("DELETE", `/api/webhooks/${made.body.endpoint.id}`);
  });

  it("refuses private-range and malformed receiver URLs and bad event types with a clear 400", async () => {
    const tries = [
      { url: "http://10.0.0.7/hook", events: ["submission.graded"] },
      { url: "http://169.254.169.254/latest", events: ["submission.graded"] },
      { url: "http://[fd00::1]/hook", events: ["submission.graded"] },
      { url: "file:///etc/passwd", events: ["submission.graded"] },
      { url: `${rx.url}/x`, events: ["no.such.event"] },
      { url: `${rx.url}/x`, events: [] },
    ];
    for (const body of tries) {
      const r = await admin.json<{ detail: string }>("POST", "/api/webhooks", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.detail.length).toBeGreaterThan(10);
    }
    const learner = await Client.signup(lab.url, "not-admin");
    expect((await learner.json("GET", "/api/webhooks")).status).toBe(403);
  });
});

describe("webhook deliveries survive kill -9", () => {
  const children: ChildProcess[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-hooks-"));
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function serve(): Promise<{ url: string; child: ChildProcess }> {
    const child = spawn(process.execPath, [path.join(ROOT_DIR, "server", "bin", "backlab.js"), "serve"], {
      env: {
        ...process.env,
        ...ENV,
        PORT: "0",
        DATA_DIR: dataDir,
        RUNTIME_DIR: TEST_RUNTIME_DIR,
        LOG_LEVEL: "warn",
        SANDBOX_DRIVER: "bwrap",
        SANDBOX_POOL_SIZE: "0",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    let err = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /running at (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`backlab serve exited (${code}): ${err}`)));
    });
    return { url, child };
  }

  it("sends every acknowledged event after a crash, each with its original webhook-id", async () => {
    const rx = await new Receiver().listen();
    try {
      rx.answer = () => ({ status: 503 });
      const first = await serve();
      const admin = await adminOf({ url: first.url, dataDir });
      const made = await admin.json<Endpoint>("POST", "/api/webhooks", {
        url: `${rx.url}/ats`,
        events: ["webhook.test"],
      });
      for (let i = 0; i < 5; i++)
        expect((await admin.json("POST", `/api/webhooks/${made.body.endpoint.id}/test`, {})).status).toBe(202);
      // Killed right after the last 202: most deliveries have not even been tried.
      first.child.kill("SIGKILL");
      await new Promise((r) => first.child.once("exit", r));
      const before = new Set(rx.requests.map((r) => String(r.headers["webhook-id"])));
      rx.requests = [];
      rx.answer = () => ({ status: 200 });
      await serve();
      await rx.until(5, 30_000);
      const after = new Set(rx.requests.map((r) => String(r.headers["webhook-id"])));
      expect(after.size).toBe(5);
      // A delivery tried before the crash comes again under its original id.
      for (const id of before) expect(after).toContain(id);
      expect(rx.requests.every((r) => verifies(made.body.secret, r))).toBe(true);
    } finally {
      await rx.close();
    }
  });
});
