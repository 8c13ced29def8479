/**
 * The lab teaches OWASP, so its own surface is the first exhibit: the probe library the
 * security grader aims at learners' services (graders/probes/) attacks a real lab here, on
 * loopback, signed in where a probe needs it, and must find nothing. Each probe that does not
 * pass prints what it sent, what came back and what to fix.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../graders/probes/auto.ts";
import { runProbe, runProbes, type ProbeUse } from "../graders/probes/run.ts";
import { startTestLab, type TestLab } from "./test/lab.ts";

const EXERCISE = "token-bucket";
/** A file the starter of EXERCISE puts in every workspace. */
const STARTER_FILE = "package.json";
const PASSWORD = "correct horse battery staple";

/** How the probes sign up and sign in: the lab's real cookie session plus its CSRF token. */
const AUTH = {
  signup: {
    method: "POST",
    path: "/api/auth/signup",
    body: { email: "{email}", displayName: "{username}", password: "{password}" },
  },
  login: { method: "POST", path: "/api/auth/login", body: { email: "{email}", password: "{password}" } },
  csrf: { token: "csrfToken", header: "x-csrf-token" },
};

/** A signed-in user of the lab, made through the API like the web app does. */
class Learner {
  cookie = "";
  csrf = "";
  constructor(
    readonly base: string,
    readonly email: string,
  ) {}

  async send(method: string, url: string, body?: unknown): Promise<Response> {
    const res = await fetch(this.base + url, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { "x-csrf-token": this.csrf } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith("backlab_session="));
    if (set) this.cookie = set.split(";")[0]!;
    return res;
  }

  async json<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await this.send(method, url, body);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  static async signup(base: string, name: string): Promise<Learner> {
    const l = new Learner(base, `${name}-${Math.random().toString(36).slice(2, 8)}@example.test`);
    const r = await l.json<{ csrfToken: string }>("POST", "/api/auth/signup", {
      email: l.email,
      displayName: name,
      password: PASSWORD,
    });
    l.csrf = r.csrfToken;
    return l;
  }
}

let lab: TestLab;
let alice: Learner;
let bob: Learner;
let aliceWs: number;
let aliceSubmission: number;

beforeAll(async () => {
  lab = await startTestLab();
  alice = await Learner.signup(lab.url, "alice");
  bob = await Learner.signup(lab.url, "bob");
  aliceWs = (await alice.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {}))
    .workspace.id;
  await bob.json("POST", `/api/exercises/${EXERCISE}/workspace`, {});
  aliceSubmission = (
    await alice.json<{ submission: { id: number } }>("POST", `/api/exercises/${EXERCISE}/submissions`, {})
  ).submission.id;
  // Let the grading finish first: the probes judge the lab, not a machine busy grading.
  const until = Date.now() + 90_000;
  for (;;) {
    const { submission } = await alice.json<{ submission: { status: string } }>(
      "GET",
      `/api/submissions/${aliceSubmission}`,
    );
    if (submission.status === "done" || submission.status === "error") break;
    if (Date.now() > until) throw new Error("the setup submission was not graded in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}, 120_000);

afterAll(async () => {
  await lab?.close();
});

/** Alice and Bob as existing accounts: A owns the objects, B attacks them. */
const users = () => ({
  ...AUTH,
  users: [alice, bob].map((l) => ({ username: l.email.split("@")[0]!, email: l.email, password: PASSWORD })),
});
const files = () => `/api/workspaces/${aliceWs}/files`;

/** Every probe that applies to the lab, in an order that keeps the account-locking one last. */
const USES: [string, () => ProbeUse][] = [
  [
    "security headers on pages, assets and the API",
    () => ({
      probe: "security-headers",
      paths: [
        "/",
        "/login",
        "/progress",
        "/exercises/token-bucket",
        "/theme.js",
        "/api/health",
        "/api/auth/me",
        "/api/openapi.json",
        "/api/no-such-route",
      ],
    }),
  ],
  [
    "errors never leak internals",
    () => ({
      probe: "error-leak",
      paths: ["/api/auth/login", "/api/auth/signup", `/api/exercises/${EXERCISE}/submissions`, files(), "/"],
      requests: [
        {
          method: "POST",
          path: "/api/auth/login",
          body_type: "raw",
          headers: { "content-type": "application/json" },
          body: `{"email": "${"x".repeat(200_000)}"}`,
        },
        {
          method: "POST",
          path: "/api/auth/login",
          body_type: "raw",
          headers: { "content-type": "application/json" },
          body: `${"[".repeat(5000)}${"]".repeat(5000)}`,
        },
        {
          method: "POST",
          path: "/api/auth/login",
          body_type: "form",
          body: { email: "a@example.test", password: "x" },
        },
        { method: "GET", path: "/api/submissions/99999999999999999999" },
        { method: "GET", path: `/api/exercises/${"a".repeat(300)}` },
      ],
    }),
  ],
  [
    "CORS stays closed",
    () => ({
      probe: "cors-any-origin",
      paths: ["/api/health", "/api/auth/me", "/api/exercises", "/api/auth/login", "/"],
    }),
  ],
  [
    "no directory listings",
    () => ({
      probe: "directory-listing",
      paths: ["/", "/assets/", "/api/", "/exercises/", "/.git/", "/data/", "/node_modules/", "/server/", "/web/"],
    }),
  ],
  [
    "workspaces belong to their owner (files)",
    () => ({
      probe: "idor",
      auth: users(),
      create: {
        method: "POST",
        path: files(),
        body: { type: "file", path: "private-{marker}.txt", content: "only for my eyes {marker}" },
      },
      id: "entry.path",
      read: { path: `${files()}/content?path={id}` },
      update: {
        method: "PUT",
        path: `${files()}/content?path={id}`,
        headers: { "if-match": '"*"' },
        body: { content: "changed {marker}" },
      },
    }),
  ],
  [
    "file contents come back as data, never as a page",
    () => ({
      probe: "xss-stored",
      auth: users(),
      write: {
        method: "POST",
        path: files(),
        body: { type: "file", path: "page-{marker}.html", content: "<h1>hi</h1>{payload}" },
      },
      id: "entry.path",
      read: { path: `${files()}/content?path={id}` },
    }),
  ],
  [
    "writes cannot be forged from another site (forms, text/plain, missing or forged CSRF token)",
    () => ({
      probe: "csrf",
      auth: users(),
      request: {
        method: "POST",
        path: files(),
        body: { type: "file", path: "csrf-{marker}.txt", content: "{marker}" },
      },
      verify: { path: files() },
    }),
  ],
  [
    "file paths stay inside the workspace",
    () => ({
      probe: "path-traversal",
      auth: users(),
      request: { path: `${files()}/content?path={payload}` },
      legit: STARTER_FILE,
    }),
  ],
  [
    "static files stay inside the web build",
    () => ({ probe: "path-traversal", request: { path: "/{payload}" }, legit: "favicon.svg" }),
  ],
  [
    "static assets stay inside the web build",
    () => ({ probe: "path-traversal", request: { path: "/assets/{payload}" }, legit: "../favicon.svg", depth: 12 }),
  ],
  [
    "exercise ids are never SQL",
    () => ({ probe: "sqli", auth: users(), request: { path: "/api/exercises/{payload}" }, known: EXERCISE }),
  ],
  [
    "submission ids are never SQL",
    () => ({
      probe: "sqli",
      auth: users(),
      request: { path: "/api/submissions/{payload}" },
      known: String(aliceSubmission),
      expect: `"id":${aliceSubmission}`,
    }),
  ],
  [
    "template syntax is never evaluated",
    () => ({
      probe: "ssti",
      auth: users(),
      request: { method: "POST", path: files(), body: { type: "file", path: "t-{payload}.txt" } },
    }),
  ],
  [
    "sign-up cannot pick a role",
    () => ({
      probe: "mass-assignment",
      request: {
        method: "POST",
        path: "/api/auth/signup",
        body: { email: "{marker}@example.test", displayName: "Mass {marker}", password: PASSWORD },
      },
      inject: { role: "admin", isAdmin: true, is_admin: true, admin: true, id: 1 },
    }),
  ],
  ["sign-in does not reveal which accounts exist", () => ({ probe: "user-enumeration", auth: AUTH })],
  ["sign-in is throttled per account", () => ({ probe: "login-rate-limit", auth: AUTH, attempts: 30 })],
];

describe("the lab against its own security probes", () => {
  it.each(USES)("%s", async (_name, use) => {
    const run = await runProbe(lab.url, use(), { budgetMs: 30_000 });
    const report = `${run.result.status}: ${run.result.message}${run.result.evidence ? `\n--- evidence ---\n${run.result.evidence}` : ""}`;
    expect(report).toMatch(/^pass: /);
  });

  it("covers every probe that can apply to a cookie-session JSON API with no outbound fetches or redirects", () => {
    const used = new Set(USES.map(([, u]) => u().probe));
    // Not applicable: JWT and refresh-token probes (the lab has no bearer tokens), SSRF (it
    // fetches nothing a user names), open redirects (it never redirects to user input),
    // command injection (no shell ever sees user input), reflected XSS (the API answers JSON;
    // the pages are one static file).
    expect([...used].sort()).toEqual(
      [
        "cors-any-origin",
        "csrf",
        "directory-listing",
        "error-leak",
        "idor",
        "login-rate-limit",
        "mass-assignment",
        "path-traversal",
        "security-headers",
        "sqli",
        "ssti",
        "user-enumeration",
        "xss-stored",
      ].sort(),
    );
  });

  it("through discovery from the lab's own OpenAPI document (GET /api/openapi.json) and two accounts, nothing is found", async () => {
    const found = await discover(lab.url, {
      openapi: "auto",
      users: [alice, bob].map((l) => ({ username: l.email.split("@")[0]!, email: l.email, password: PASSWORD })),
    });
    expect(found.source).toMatch(/^OpenAPI \(served by the service\): \d+ operations/);
    expect(found.auth).toMatchObject({ login: { path: "/api/auth/login" }, csrf: { token: "csrfToken" } });
    const runs = await runProbes(lab.url, found.uses, { budgetMs: 30_000 });
    const tally = (s: string) => runs.filter((r) => r.result.status === s).length;
    console.log(
      `the lab by discovery: ${found.targets.length} operations, ${runs.length} probe uses (${[...new Set(runs.map((r) => r.use.probe))].join(", ")}): ${tally("pass")} passed, ${tally("fail")} found something, ${tally("error")} could not run`,
    );
    for (const r of runs.filter((x) => x.result.status === "error"))
      console.log(`could not run: ${r.use.probe} ${JSON.stringify(r.use).slice(0, 200)}: ${r.result.message}`);
    const findings = runs.filter((r) => r.result.status === "fail");
    expect(
      findings.map(
        (r) => `${r.use.probe} ${JSON.stringify(r.use).slice(0, 300)}: ${r.result.message}\n${r.result.evidence ?? ""}`,
      ),
    ).toEqual([]);
    expect(runs.length).toBeGreaterThanOrEqual(5);
  }, 300_000);

  it("submissions belong to their owner (the probes need a stored text to look for; submissions have none)", async () => {
    const mine = await alice.send("GET", `/api/submissions/${aliceSubmission}`);
    expect(mine.status).toBe(200);
    for (const url of [
      `/api/submissions/${aliceSubmission}`,
      `/api/submissions/${aliceSubmission}/verify`,
      `/api/submissions/${aliceSubmission}/events`,
    ]) {
      const res = await bob.send("GET", url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(await res.text()).not.toContain(alice.email);
    }
    // Bob's catalog and dashboard know nothing of Alice's attempt.
    const progress = await bob.json<{ overall: { attempts: number }; history: unknown[] }>("GET", "/api/progress");
    expect(progress.overall.attempts).toBe(0);
    expect(progress.history).toEqual([]);
    const alices = await alice.json<{ overall: { attempts: number } }>("GET", "/api/progress");
    expect(alices.overall.attempts).toBe(1);
  });
});
