import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, copyDir, startTestLab, waitForResult, type TestLab } from "./test/lab.ts";
import { WORKSPACE_UID_BASE } from "./workspaces/service.ts";

const EXERCISE = "token-bucket";
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.close();
});

describe("health and errors", () => {
  it("GET /api/health names the version and the sandbox driver", async () => {
    const res = await fetch(`${lab.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", version: expect.any(String), sandbox: { driver: "bwrap" } });
  });

  it("answers unknown API routes with problem+json and never a stack trace", async () => {
    const res = await fetch(`${lab.url}/api/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    const body = await res.json();
    expect(body).toMatchObject({ type: "/problems/not-found", status: 404, title: "Not found" });
  });

  it("sends security headers with a strict script policy", async () => {
    const res = await fetch(`${lab.url}/api/health`);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-powered-by")).toBeNull();
    // Served over plain HTTP here: nothing may force HTTPS on a workshop LAN.
    expect(res.headers.get("content-security-policy")).not.toMatch(/upgrade-insecure-requests/);
    expect(res.headers.get("strict-transport-security")).toBeNull();
  });
});

describe("accounts", () => {
  it("signs up, reads /me with the HttpOnly cookie, signs out", async () => {
    const c = new Client(lab.url);
    const email = `amy-${Date.now()}@example.test`;
    const res = await c.request("POST", "/api/auth/signup", {
      email,
      displayName: "Amy",
      password: "long enough password",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    expect(res.headers.get("set-cookie")).toMatch(/SameSite=Lax/i);
    expect((await c.json("GET", "/api/auth/me")).body).toMatchObject({
      user: { email, displayName: "Amy", role: "learner" },
    });
    expect((await c.json("POST", "/api/auth/logout", {})).status).toBe(204);
    expect((await c.json("GET", "/api/auth/me")).status).toBe(401);
    // The old cookie is dead on the server, not just cleared in the browser.
    const relogin = new Client(lab.url);
    expect((await relogin.json("POST", "/api/auth/login", { email, password: "long enough password" })).status).toBe(
      200,
    );
    expect((await relogin.json("POST", "/api/auth/login", { email, password: "wrong password!" })).status).toBe(401);
  });

  it("answers an unknown email exactly like a wrong password", async () => {
    const c = new Client(lab.url);
    const unknown = await c.json("POST", "/api/auth/login", {
      email: "nobody@example.test",
      password: "whatever-it-is",
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ detail: "The email or password is wrong." });
  });

  it("refuses a duplicate email with 409", async () => {
    const c = new Client(lab.url);
    const body = { email: `dup-${Date.now()}@example.test`, displayName: "D", password: "long enough password" };
    expect((await c.json("POST", "/api/auth/signup", body)).status).toBe(201);
    expect((await new Client(lab.url).json("POST", "/api/auth/signup", body)).status).toBe(409);
  });

  it("rate-limits repeated sign-in attempts on one account", async () => {
    const c = new Client(lab.url);
    const email = `brute-${Date.now()}@example.test`;
    let last = 0;
    for (let i = 0; i < 12; i++)
      last = (await c.json("POST", "/api/auth/login", { email, password: `guess-${i}-xxxx` })).status;
    expect(last).toBe(429);
  });
});

describe("bad input gets a clear 4xx and the lab keeps serving", () => {
  it.each([
    ["malformed JSON", "{not json", 400, /not valid JSON/],
    ["a wrong type", JSON.stringify({ email: 42, displayName: "x", password: "long enough password" }), 400, /email/],
    ["a missing field", JSON.stringify({ email: "a@b.test" }), 400, /display name|password/],
    [
      "an unknown field",
      JSON.stringify({ email: "a@b.test", displayName: "x", password: "long enough password", role: "admin" }),
      400,
      /role|unrecognized/i,
    ],
    [
      "an oversized body",
      JSON.stringify({ email: "a@b.test", displayName: "x".repeat(200_000), password: "long enough password" }),
      413,
      /^The request body is 195 kB; at most 100 kB is accepted here\./,
    ],
  ])("%s", async (_name, body, status, detail) => {
    const res = await new Client(lab.url).request("POST", "/api/auth/signup", body);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    const problem = await res.json();
    expect(problem.detail).toMatch(detail);
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts:\d+|node_modules/);
  });

  it("refuses a cross-origin write and a non-JSON write (CSRF)", async () => {
    const c = await Client.signup(lab.url);
    const cross = await c.request(
      "POST",
      `/api/exercises/${EXERCISE}/submissions`,
      {},
      { origin: "https://evil.example" },
    );
    expect(cross.status).toBe(403);
    const form = await c.request("POST", `/api/exercises/${EXERCISE}/submissions`, "a=b", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(415);
    expect((await c.json("GET", `/api/exercises/${EXERCISE}/submissions`)).body).toEqual({ submissions: [] });
  });

  it("refuses bad ids and unknown exercises", async () => {
    const c = await Client.signup(lab.url);
    expect((await c.json("GET", "/api/submissions/abc")).status).toBe(400);
    expect((await c.json("GET", "/api/submissions/99999999")).status).toBe(404);
    expect((await c.json("GET", "/api/exercises/..%2F..%2Fetc")).status).toBe(400);
    expect((await c.json("POST", "/api/exercises/no-such-thing/workspace", {})).status).toBe(404);
    expect((await fetch(`${lab.url}/api/health`)).status).toBe(200);
  });

  it("requires a session for the catalog", async () => {
    expect((await new Client(lab.url).json("GET", "/api/exercises")).status).toBe(401);
  });
});

describe("the core loop through the API the page uses", () => {
  it("lists the catalog grouped by area with the exercise", async () => {
    const c = await Client.signup(lab.url);
    const { body } = await c.json<{ areas: { id: string }[]; exercises: { id: string; maxScore: number }[] }>(
      "GET",
      "/api/exercises",
    );
    expect(body.areas.map((a) => a.id)).toContain("code-patterns");
    expect(body.exercises.find((e) => e.id === EXERCISE)).toMatchObject({ maxScore: 100 });
  });

  it("grades the starter below max and the reference solution at max; another user cannot read them", async () => {
    const c = await Client.signup(lab.url, "grader");
    const opened = await c.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {});
    expect(opened.status).toBe(200);
    const wsId = opened.body.workspace.id;
    expect(fs.existsSync(path.join(lab.dataDir, "workspaces", String(wsId), "src", "token-bucket.ts"))).toBe(true);

    const first = await c.json<{ submission: { id: number; status: string } }>(
      "POST",
      `/api/exercises/${EXERCISE}/submissions`,
      {},
    );
    expect(first.status).toBe(202);
    expect(first.body.submission.status).toBe("queued");
    const starter = await waitForResult(c, first.body.submission.id);
    expect(starter).toMatchObject({ status: "fail", max_score: 100 });
    expect(starter.score as number).toBeLessThan(100);

    const exerciseDir = path.resolve("exercises/code-patterns/token-bucket");
    copyDir(
      path.join(exerciseDir, "solution"),
      path.join(lab.dataDir, "workspaces", String(wsId)),
      WORKSPACE_UID_BASE + wsId,
    );
    const second = await c.json<{ submission: { id: number } }>("POST", `/api/exercises/${EXERCISE}/submissions`, {});
    const solved = await waitForResult(c, second.body.submission.id);
    expect(solved).toMatchObject({ status: "pass", score: 100, max_score: 100 });

    const list = await c.json<{ submissions: { id: number }[] }>("GET", `/api/exercises/${EXERCISE}/submissions`);
    expect(list.body.submissions.map((s) => s.id)).toEqual([second.body.submission.id, first.body.submission.id]);
    const catalog = await c.json<{ exercises: { id: string; best: unknown }[] }>("GET", "/api/exercises");
    expect(catalog.body.exercises.find((e) => e.id === EXERCISE)?.best).toEqual({ score: 100, maxScore: 100 });

    const other = await Client.signup(lab.url, "other");
    expect((await other.json("GET", `/api/submissions/${second.body.submission.id}`)).status).toBe(404);
    expect(
      (await other.json<{ submissions: unknown[] }>("GET", `/api/exercises/${EXERCISE}/submissions`)).body.submissions,
    ).toEqual([]);
  });
});
