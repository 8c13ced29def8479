/**
 * The probes against services nobody tuned them for (fixtures/corpus.ts): every case is one
 * probe use aimed at the vulnerable and the fixed version of a shape. The vulnerable one must
 * be FOUND (fail), the fixed one must raise NOTHING (pass: not a finding, and not "could not
 * run" either). The figures (found %, false alarms) are printed at the end.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  formSite,
  jsonApi200,
  jsonErrors,
  lateWebhook,
  redirects,
  startShape,
  type CorpusApp,
  type Shape,
} from "./fixtures/corpus.ts";
import { probeCommand } from "./cli.ts";
import { explain } from "./fixtures/harness.ts";
import { runProbe, type ProbeUse } from "./run.ts";

type Case = { name: string; shape: Shape; use: ProbeUse; finds: RegExp };

const API_AUTH = {
  login: { method: "POST", path: "/api/login", body: { username: "{username}", password: "{password}" } },
  token: "data.token",
  users: [{ username: "alice", password: "alice-pass-1" }],
};
const PROFILE = { path: "/api/profile" };

export const CORPUS: Case[] = [
  {
    name: "200-with-error JSON API: alg none",
    shape: jsonApi200,
    use: { probe: "jwt-alg-none", auth: API_AUTH, check: PROFILE },
    finds: /alg: none" accepted/,
  },
  {
    name: "200-with-error JSON API: signature not checked",
    shape: jsonApi200,
    use: { probe: "jwt-tampered", auth: API_AUTH, check: PROFILE, claims: { sub: "bob" } },
    finds: /JWT signature not checked/,
  },
  {
    name: "late SSRF fetch (answers 202, fetches 400 ms later)",
    shape: lateWebhook,
    use: { probe: "ssrf-loopback", request: { method: "POST", path: "/webhooks", body: { url: "{payload}" } } },
    finds: /SSRF: .*after it had answered/,
  },
  {
    name: "open redirect fixed by a confirmation page (200)",
    shape: redirects,
    use: { probe: "open-redirect", request: { path: "/go?to={payload}" } },
    finds: /Open redirect: .*probe-evil\.example/,
  },
  {
    name: "redirect builder that prefixes https://",
    shape: redirects,
    use: { probe: "open-redirect", request: { path: "/out?to={payload}" } },
    finds: /Open redirect: .*probe-evil\.example/,
  },
  {
    name: "error leak in a request of the user's, next to Express's default 404 page",
    shape: jsonErrors,
    use: { probe: "error-leak", requests: [{ method: "POST", path: "/api/items", body: {} }] },
    finds: /Error details leaked in 1 of \d+ requests: request 1 \(POST \/api\/items\).*a stack trace/,
  },
  {
    name: "form login answering 302, session cookie, CSRF-protected comment form",
    shape: formSite,
    use: {
      probe: "xss-stored",
      auth: {
        login: {
          method: "POST",
          path: "/login",
          body: { username: "{username}", password: "{password}", _csrf: "{csrf}" },
          body_type: "form",
        },
        users: [{ username: "carol", password: "carol-pass-1" }],
        csrf: { page: "/comments/new" },
      },
      write: { method: "POST", path: "/comments", body: { text: "{payload}", _csrf: "{csrf}" }, body_type: "form" },
      read: { path: "/comments" },
    },
    finds: /Stored XSS: .*verbatim in text\/html/,
  },
];

const open: CorpusApp[] = [];
afterAll(async () => {
  await Promise.all(open.map((a) => a.close()));
});

const tally = { flaws: 0, found: 0, fixed: 0, alarms: 0, couldNotRun: 0 };

describe("the corpus: found in the vulnerable service, nothing in the fixed one", () => {
  for (const c of CORPUS) {
    it(c.name, async () => {
      const vulnerable = await startShape(c.shape, true);
      const fixed = await startShape(c.shape, false);
      open.push(vulnerable, fixed);
      const found = await runProbe(vulnerable.url, c.use);
      const clean = await runProbe(fixed.url, c.use);
      tally.flaws++;
      tally.fixed++;
      if (found.result.status === "fail" && c.finds.test(found.result.message)) tally.found++;
      if (clean.result.status === "fail") tally.alarms++;
      if (clean.result.status === "error") tally.couldNotRun++;
      expect(found.result.status, explain(found)).toBe("fail");
      expect(found.result.message).toMatch(c.finds);
      expect(clean.result.status, explain(clean)).toBe("pass");
    });
  }

  afterAll(() => {
    const pct = tally.flaws ? Math.round((tally.found / tally.flaws) * 100) : 0;
    console.log(
      `probe corpus: ${tally.found}/${tally.flaws} flaws found (${pct} %), ${tally.alarms} false alarms and ${tally.couldNotRun} "could not run" on ${tally.fixed} fixed services`,
    );
  });
});

const cli = () => {
  const out: string[] = [];
  return { out, io: { out: (s: string) => out.push(s), err: (s: string) => out.push(s) } };
};

/** Signs in to the form site as a browser would (GET the form for its token, POST it) and returns the session cookie. */
async function formSiteCookie(url: string): Promise<string> {
  const page = await fetch(`${url}/login`);
  const pre = /sid=[\w-]+/.exec(page.headers.get("set-cookie") ?? "")![0];
  const csrf = /name="_csrf" value="(\w+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: pre, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: "carol", password: "carol-pass-1", _csrf: csrf }).toString(),
  });
  expect(res.status).toBe(302);
  return /sid=[\w-]+/.exec(res.headers.get("set-cookie") ?? "")![0];
}

describe("backlab probe with a session given directly and parameters typed by the schema", () => {
  it("--cookie (with the CSRF token read from a form) finds stored XSS and passes the fix", async () => {
    const args = (url: string, cookie: string) => [
      url,
      "--probe",
      "xss-stored",
      "--cookie",
      cookie,
      "--param",
      "auth.csrf.page=/comments/new",
      "--param",
      "write.method=POST",
      "--param",
      "write.path=/comments",
      "--param",
      'write.body={"text":"{payload}","_csrf":"{csrf}"}',
      "--param",
      "write.body_type=form",
      "--param",
      "read.path=/comments",
    ];
    for (const vulnerable of [true, false]) {
      const app = await startShape(formSite, vulnerable);
      open.push(app);
      const run = cli();
      const code = await probeCommand(args(app.url, await formSiteCookie(app.url)), run.io);
      expect(code, run.out.join("")).toBe(vulnerable ? 1 : 0);
      if (vulnerable) expect(run.out.join("")).toMatch(/FAIL\s+xss-stored[\s\S]*Stored XSS/);
    }
  });

  it("--bearer finds a JWT flaw on a 200-with-error API and nothing on the fix; known=1 is text", async () => {
    for (const vulnerable of [true, false]) {
      const app = await startShape(jsonApi200, vulnerable);
      open.push(app);
      const login = await fetch(`${app.url}/api/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice", password: "alice-pass-1" }),
      });
      const token = ((await login.json()) as { data: { token: string } }).data.token;
      const run = cli();
      const code = await probeCommand(
        [app.url, "--probe", "jwt-alg-none", "--bearer", token, "--param", "check.path=/api/profile"],
        run.io,
      );
      expect(code, run.out.join("")).toBe(vulnerable ? 1 : 0);
    }
    const app = await startShape(jsonErrors, false);
    open.push(app);
    const run = cli();
    // `known=1` used to be read as the number 1 and refused; it is a text parameter.
    const code = await probeCommand(
      [app.url, "--probe", "sqli", "--param", "request.path=/s?q={payload}", "--param", "known=1"],
      run.io,
    );
    expect(run.out.join("")).not.toMatch(/known: /);
    expect(code, run.out.join("")).toBe(3);
    expect(run.out.join("")).toMatch(/COULD NOT RUN\s+sqli/);
  });
});

describe("sign-in that fits real services", () => {
  const FORM_LOGIN = {
    method: "POST",
    path: "/login",
    body: { username: "{username}", password: "{password}", _csrf: "{csrf}" },
    body_type: "form",
  };
  const use = (auth: Record<string, unknown>): ProbeUse => ({
    probe: "xss-stored",
    auth: { login: FORM_LOGIN, csrf: { page: "/comments/new" }, ...auth },
    write: { method: "POST", path: "/comments", body: { text: "{payload}", _csrf: "{csrf}" }, body_type: "form" },
    read: { path: "/comments" },
  });

  it("a form login redirected back to the login page did not work: could not run, with the reason", async () => {
    const app = await startShape(formSite, true);
    open.push(app);
    const r = await runProbe(app.url, use({ users: [{ username: "carol", password: "wrong-pass" }] }));
    expect(r.result.status, explain(r)).toBe("error");
    expect(r.result.message).toMatch(/Logging in as carol did not work: POST \/login → 302 to \/login\?error=1/);
  });

  it("`auth.success` names the signal: a status, a redirect, a cookie set", async () => {
    const app = await startShape(formSite, true);
    open.push(app);
    const users = [{ username: "carol", password: "carol-pass-1" }];
    const ok = await runProbe(
      app.url,
      use({ users, success: { status: [302], redirect: "/dashboard", cookie: "sid" } }),
    );
    expect(ok.result.status, explain(ok)).toBe("fail");
    const strict = await runProbe(app.url, use({ users, success: { cookie: "remember_me" } }));
    expect(strict.result.status, explain(strict)).toBe("error");
    expect(strict.result.message).toMatch(/did not work/);
  });
});

describe("backlab probe --format sarif", () => {
  it("a finding is an error-level result with OWASP category, CWE and the request and answer; a clean run has none", async () => {
    for (const vulnerable of [true, false]) {
      const app = await startShape(redirects, vulnerable);
      open.push(app);
      const run = cli();
      const args = [
        app.url,
        "--probe",
        "open-redirect",
        "--param",
        "request.path=/go?to={payload}",
        "--format",
        "sarif",
      ];
      expect(await probeCommand(args, run.io), run.out.join("")).toBe(vulnerable ? 1 : 0);
      const sarif = JSON.parse(run.out.join("")) as {
        version: string;
        runs: Array<{ results: Array<{ ruleId: string; level: string; properties: Record<string, string> }> }>;
      };
      expect(sarif.version).toBe("2.1.0");
      const results = sarif.runs[0]!.results;
      if (!vulnerable) {
        expect(results).toEqual([]);
        continue;
      }
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ ruleId: "open-redirect", level: "error" });
      expect(results[0]!.properties).toMatchObject({ owasp: "A01:2025 Broken Access Control", cwe: "CWE-601" });
      expect(results[0]!.properties.evidence).toMatch(
        /> GET \/go\?to=[\s\S]*< 302[\s\S]*location: .*probe-evil\.example/,
      );
    }
  });
});
