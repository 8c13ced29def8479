import crypto from "node:crypto";
import path from "node:path";
import type { Express } from "express";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../accounts/schema.ts";
import { Accounts } from "../accounts/service.ts";
import { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import { IDP_CLIENT, startTestIdp, type TestIdp } from "../test/oidc-provider.ts";
import { EXERCISE, fixtureMakers, makeCohort } from "./authz.fixtures.ts";
import { ASSESSMENT, CALLS, METRICS_TOKEN, type Call, type CallContext, type Fixtures } from "./authz.matrix.ts";
import { expectedAccess, expectedTokenAccess, routeId, type Route } from "./routes.ts";
import { AuditLog } from "../audit/service.ts";
import { scopesFor, type Scope } from "../tokens/scopes.ts";
import { ApiTokens } from "../tokens/service.ts";

/**
 * The authorization matrix: every route of the table × every role (and anonymous) × the
 * caller's own resource and another user's, each expectation derived from the route's rule.
 * The sandbox is a test double: what is under test is the lab's own access control, on a
 * real app with a real database, real sessions and real workspaces.
 */

const ACTORS: (Role | null)[] = [null, "learner", "instructor", "admin", "candidate"];

let lab: TestLab;
let idp: TestIdp;
let db: Database;
let accounts: Accounts;
let routes: Route[];
const people = new Map<string, Fixtures & { role: Role }>();

let adminClient: Client;
let make: CallContext["make"];

/** An assessment made through the API by the admin, then handed to `userId` as its creator and only reviewer. */
async function assessmentOf(userId: number, role: Role): Promise<number> {
  const made = await adminClient.json<{ assessment: { id: number } }>("POST", "/api/assessments", ASSESSMENT);
  expect(made.status).toBe(201);
  const id = made.body.assessment.id;
  db.run("UPDATE assessments SET created_by = ? WHERE id = ?", [userId, id]);
  db.run("DELETE FROM assessment_reviewers WHERE assessment_id = ?", [id]);
  if (role === "admin" || role === "instructor")
    db.run("INSERT INTO assessment_reviewers (assessment_id, user_id) VALUES (?, ?)", [id, userId]);
  return id;
}

/** A candidate account: invited by the admin, the link claimed, the clock started. */
async function candidateClient(): Promise<{ c: Client; userId: number; assessment: number }> {
  const made = await adminClient.json<{ assessment: { id: number } }>("POST", "/api/assessments", ASSESSMENT);
  const inv = await adminClient.json<{ invited: { url: string }[] }>(
    "POST",
    `/api/assessments/${made.body.assessment.id}/invites`,
    { candidates: [{}] },
  );
  expect(inv.status).toBe(201);
  const c = new Client(lab.url);
  const claim = await c.json<{ user: { id: number }; csrfToken: string }>("POST", "/api/assessment-invites/claim", {
    token: inv.body.invited[0]!.url.split("/take/")[1],
  });
  expect(claim.status).toBe(200);
  c.csrf = claim.body.csrfToken;
  expect((await c.json("POST", "/api/candidate/start", {})).status).toBe(200);
  return { c, userId: claim.body.user.id, assessment: made.body.assessment.id };
}

async function makeUser(name: string, role: Role): Promise<Fixtures & { role: Role }> {
  let c = new Client(lab.url);
  const email = `${name}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const password = "matrix password 1";
  let userId: number;
  let assessment: number;
  if (role === "candidate") {
    ({ c, userId, assessment } = await candidateClient());
  } else {
    const signup = await c.json<{ user: { id: number } }>("POST", "/api/auth/signup", {
      email,
      displayName: name,
      password,
    });
    expect(signup.status).toBe(201);
    userId = signup.body.user.id;
    db.run("UPDATE users SET role = ? WHERE id = ?", [role, userId]);
    if (role === "admin") adminClient = c;
    assessment = await assessmentOf(userId, role);
  }
  const ws = await c.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {});
  const sub = await c.json<{ submission: { id: number } }>("POST", `/api/exercises/${EXERCISE}/submissions`, {});
  expect(sub.status).toBe(202);
  // A terminal session makes a recording; the session stays live after the socket closes.
  const socket = new WebSocket(`${lab.url.replace("http", "ws")}/api/workspaces/${ws.body.workspace.id}/terminal`, {
    headers: { origin: lab.url, cookie: c.cookie },
  });
  await new Promise<void>((resolve, reject) => {
    socket.on("message", (data, binary) => {
      if (!binary && JSON.parse(String(data)).type === "ready") resolve();
    });
    socket.on("error", reject);
    socket.on("unexpected-response", (_req, res) => reject(new Error(`terminal refused: ${res.statusCode}`)));
  });
  socket.close();
  // A candidate may not list recordings (reviewers replay them), so theirs is read from the database.
  const recordings =
    role === "candidate"
      ? db.all<{ id: string }>("SELECT id FROM terminal_sessions WHERE workspace_id = ?", [ws.body.workspace.id])
      : (await c.json<{ recordings: { id: string }[] }>("GET", `/api/workspaces/${ws.body.workspace.id}/recordings`))
          .body.recordings;
  expect(recordings.length).toBeGreaterThan(0);
  return {
    role,
    userId,
    email,
    password,
    exercise: EXERCISE,
    workspace: ws.body.workspace.id,
    submission: sub.body.submission.id,
    recording: recordings[0]!.id,
    assessment,
    ...makeCohort(db, userId),
  };
}
const app = () => lab.server.listeners("request")[0] as Express;

/** A fresh session per call, so routes that end sessions (logout, login) cannot disturb the next. */
function freshSession(userId: number): { cookie: string; csrf: string } {
  const s = accounts.sessions.create(userId, "authz matrix");
  return { cookie: `backlab_session=${s.token}`, csrf: s.csrfToken };
}

function urlFor(r: Route, call: Call): string {
  const p = r.path.replace(/:(\w+)/g, (_m, name: string) => {
    if (call.params?.[name] === undefined) throw new Error(`${routeId(r)}: the matrix call gives no :${name}`);
    return encodeURIComponent(String(call.params[name]));
  });
  const q = call.query ? `?${new URLSearchParams(call.query)}` : "";
  return `/api${p}${q}`;
}

async function httpCall(
  r: Route,
  call: Call,
  session: { cookie: string; csrf: string } | undefined,
): Promise<{ status: number; type: string }> {
  const res = await fetch(lab.url + urlFor(r, call), {
    method: r.method.toUpperCase(),
    headers: {
      ...(call.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(session ? { cookie: session.cookie, "x-csrf-token": session.csrf } : {}),
      ...call.headers,
    },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    // A redirect (single sign-on) is the route's answer; where it leads is not under test.
    redirect: "manual",
  });
  // Streams (server-sent events) stay open; the status and type are all the matrix needs.
  await res.body?.cancel();
  return { status: res.status, type: res.headers.get("content-type") ?? "" };
}

function upgradeCall(r: Route, call: Call, cookie: string | undefined): Promise<{ status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const s = new WebSocket(lab.url.replace("http", "ws") + urlFor(r, call), {
      headers: { origin: lab.url, ...(cookie ? { cookie } : {}) },
    });
    s.on("upgrade", () => {
      s.close();
      resolve({ status: 101, type: "" });
    });
    s.on("unexpected-response", (_req, res) =>
      resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? "") }),
    );
    s.on("error", (err) => reject(err));
  });
}

beforeAll(async () => {
  idp = await startTestIdp();
  lab = await startTestLab(
    {
      GRADING_CONCURRENCY: "1",
      METRICS_TOKEN,
      WEBHOOK_ALLOW_NETWORKS: "127.0.0.0/8",
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: IDP_CLIENT.id,
      OIDC_CLIENT_SECRET: IDP_CLIENT.secret,
    },
    { driver: new FakeDriver() },
  );
  idp.allow(`${lab.url}/api/auth/sso/callback`);
  db = new Database(path.join(lab.dataDir, "backlab.db"));
  accounts = new Accounts(db, { signup: "open", idleMs: 3_600_000, maxMs: 86_400_000, inviteDays: 7 });
  make = fixtureMakers(db, accounts, people, lab.dataDir);
  // The table the running lab mounted (the app is the server's request listener).
  routes = app().locals.routes as Route[];
  for (const role of ["admin", "learner", "instructor", "candidate"] as const)
    people.set(role, await makeUser(role, role));
  people.set("other", await makeUser("other", "learner"));
}, 60_000);

afterAll(async () => {
  db?.close();
  await lab?.close();
  await idp?.close();
});

describe("the route table", () => {
  it("gives every route a rule and a matrix call, and the matrix names no route the table lacks", () => {
    const ids = routes.map(routeId);
    for (const r of routes) {
      expect(["public", "signed-in", "roles", "owner"], `${routeId(r)} has no auth rule`).toContain(r.auth?.kind);
      expect(
        CALLS[routeId(r)],
        `${routeId(r)} is missing from the authorization matrix (server/http/authz.matrix.ts)`,
      ).toBeTypeOf("function");
    }
    expect(
      Object.keys(CALLS).filter((k) => !ids.includes(k)),
      "matrix calls for routes the table does not have",
    ).toEqual([]);
  });

  it("is all the API there is: Express mounts no route beside the table", () => {
    const mounted: string[] = [];
    const walk = (
      stack: { route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }[],
    ) => {
      for (const layer of stack) {
        if (layer.route) {
          if (typeof layer.route.path === "string")
            for (const m of Object.keys(layer.route.methods))
              if (m !== "_all") mounted.push(`${m.toUpperCase()} ${layer.route.path}`);
        } else if (layer.handle?.stack) walk(layer.handle.stack as never);
      }
    };
    walk((app() as unknown as { router: { stack: never[] } }).router.stack);
    const expected = routes.filter((r) => !r.upgrade).map(routeId);
    expect(mounted.sort()).toEqual(expected.sort());
  });

  it("serves an OpenAPI 3.1 document with every route, its parameters and its errors", async () => {
    const res = await fetch(`${lab.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, unknown>; parameters?: { name: string; in: string }[]; requestBody?: unknown }
        >
      >;
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const r of routes) {
      const op = doc.paths[`/api${r.path.replace(/:(\w+)/g, "{$1}")}`]?.[r.method];
      expect(op, `${routeId(r)} is not in the document`).toBeDefined();
      for (const m of r.path.matchAll(/:(\w+)/g))
        expect(
          op!.parameters?.some((p) => p.name === m[1] && p.in === "path"),
          `${routeId(r)} documents :${m[1]}`,
        ).toBe(true);
      if (r.auth.kind !== "public") expect(op!.responses["401"]).toBeDefined();
      if (r.auth.kind === "roles") expect(op!.responses["403"]).toBeDefined();
      if (r.auth.kind === "owner") expect(op!.responses["404"]).toBeDefined();
      if (!r.upgrade && r.input?.body) expect(op!.requestBody).toBeDefined();
      if (!r.upgrade && r.scope) expect(op, routeId(r)).toMatchObject({ "x-token-scope": r.scope });
    }
    const signup = doc.paths["/api/auth/signup"]!.post! as unknown as {
      requestBody: { content: { "application/json": { schema: { required: string[] } } } };
    };
    expect(signup.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["email", "password"]),
    );
  });
});

describe("authorization matrix", () => {
  const cases: [string, Role | null, boolean][] = [];
  // Built lazily: the table exists once the lab runs, so each route × actor × ownership runs as one test.
  it("every route × role × own/another user's resource answers as its rule says", async () => {
    for (const r of routes)
      for (const actor of ACTORS)
        for (const own of actor === null ? [false] : [true, false]) cases.push([routeId(r), actor, own]);
    const failures: string[] = [];
    for (const r of routes) {
      for (const actor of ACTORS) {
        for (const own of actor === null ? [false] : [true, false]) {
          const caller = actor ? people.get(actor)! : undefined;
          const fixtures = own ? caller! : people.get("other")!;
          const call = CALLS[routeId(r)]!(fixtures, {
            actor,
            own,
            unique: crypto.randomUUID().slice(0, 8),
            caller,
            make,
          });
          const session = caller ? freshSession(call.as ?? caller.userId) : undefined;
          const got = r.upgrade ? await upgradeCall(r, call, session?.cookie) : await httpCall(r, call, session);
          const want = expectedAccess(r.auth, actor, own, r.candidates === true);
          const label = `${routeId(r)} as ${actor ?? "anonymous"} on ${own ? "own" : "another user's"} resource`;
          if (want === "allowed") {
            const ok = call.allowed
              ? call.allowed.includes(got.status)
              : r.upgrade
                ? got.status === 101
                : got.status >= 200 && got.status < 300;
            if (!ok) failures.push(`${label}: expected to be let through, got ${got.status}`);
          } else if (got.status !== want) {
            failures.push(`${label}: expected ${want}, got ${got.status}`);
          } else if (!r.upgrade && !got.type.includes("application/problem+json")) {
            failures.push(`${label}: ${got.status} is not problem+json (${got.type})`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // Every route ran for every actor: five callers, own and another's for the signed-in ones.
    expect(cases.length).toBe(routes.length * 9);
  });
});

describe("API tokens against the table", () => {
  it("a token with and without each route's scope answers as the rule says; a route without one refuses tokens", async () => {
    const tokens = new ApiTokens(db, new AuditLog(db));
    const tokenOf = (f: Fixtures, scopes: Scope[]) =>
      tokens.create(
        { id: f.userId, email: f.email, displayName: f.role, role: f.role },
        { name: "m", scopes, days: 1 },
        "",
      ).secret;
    const failures: string[] = [];
    const scoped = new Set<string>();
    for (const role of ["learner", "instructor", "admin"] as const) {
      const owner = people.get(role)!;
      const mine = scopesFor(role);
      for (const r of routes) {
        // A route without a scope refuses every token alike: the admin's (every scope) shows it.
        if (r.upgrade || (!r.scope && role !== "admin")) continue;
        const hasScope = r.scope !== undefined && mine.includes(r.scope);
        // With every scope the role may give, and (scoped routes) with all of them but this one.
        const variants: [Scope[], boolean][] = [[mine, hasScope]];
        if (r.scope) variants.push([mine.filter((s) => s !== r.scope), false]);
        for (const [scopes, has] of variants) {
          if (scopes.length === 0) continue;
          for (const own of r.scope ? [true, false] : [true]) {
            const call = CALLS[routeId(r)]!(own ? owner : people.get("other")!, {
              actor: role,
              own,
              unique: crypto.randomUUID().slice(0, 8),
              caller: owner,
              make,
            });
            // A route with a bearer scheme of its own (the metrics scrape) is not the tokens' business.
            if (call.headers?.authorization) continue;
            const authorization = `Bearer ${tokenOf(owner, scopes)}`;
            const got = await httpCall(r, { ...call, headers: { ...call.headers, authorization } }, undefined);
            const want = expectedTokenAccess(r, role, has, own);
            const label = `${routeId(r)} by ${role}'s token ${has ? "with" : "without"} its scope on ${own ? "own" : "another's"} resource`;
            if (r.scope && want === "allowed") scoped.add(routeId(r));
            if (want === "allowed") {
              const ok = call.allowed ? call.allowed.includes(got.status) : got.status >= 200 && got.status < 300;
              if (!ok) failures.push(`${label}: expected to be let through, got ${got.status}`);
            } else if (got.status !== want) failures.push(`${label}: expected ${want}, got ${got.status}`);
            else if (!got.type.includes("application/problem+json")) failures.push(`${label}: not problem+json`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // Every scoped route let a token through at least once (for the role that may hold its scope).
    expect([...scoped].sort()).toEqual(
      routes
        .filter((r) => (r.upgrade ? undefined : r.scope))
        .map(routeId)
        .sort(),
    );
  });
});
