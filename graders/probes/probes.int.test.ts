/**
 * Every probe against the fixture app twice: with its planted flaw it must FIND it (fail, with
 * a message that says what happened), with the flaw fixed it must find NOTHING (pass). Plus
 * the machinery: unreachable service → error, non-loopback → refused before any connection,
 * parameter validation, the time budget, a crash mid-probe, and the CLI.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { probeCommand } from "./cli.ts";
import { type Fixture, type FixtureOptions, type Flaw } from "./fixtures/app.ts";
import { startFixed } from "./fixtures/fixed.ts";
import { startVulnerable } from "./fixtures/vulnerable.ts";
import { assertLoopbackUrl, HttpClient, NetworkRuleError } from "./http.ts";
import { DEFAULT_PROBES, PROBES, probeFor } from "./index.ts";
import { runProbe, runProbes, validateProbeUses, type ProbeRun, type ProbeUse } from "./run.ts";

const creds = { username: "{username}", password: "{password}" };
const AUTH = {
  signup: { method: "POST", path: "/signup", body: { ...creds, email: "{email}" } },
  login: { method: "POST", path: "/login", body: creds },
  token: "token",
};
const AUTH_V2 = { ...AUTH, login: { method: "POST", path: "/v2/login", body: creds } };
/** A cookie session with a CSRF token in the login JSON, as browsers use. */
const COOKIE_AUTH = { signup: AUTH.signup, login: { method: "POST", path: "/session/login", body: creds }, csrf: { token: "csrf", header: "x-csrf-token" } };

type Case = {
  name: string;
  use: ProbeUse | ((app: Fixture) => ProbeUse);
  flaws: Flaw[];
  opts?: Omit<FixtureOptions, "flaws">;
  /** Text the vulnerable run's message must contain. */
  finds: RegExp;
  /** Attack both apps at once (only where no timing is measured). */
  together?: boolean;
};

const CASES: Case[] = [
  { name: "sqli", use: { probe: "sqli", request: { path: "/search?q={payload}" }, known: "welcome" }, flaws: ["sqli"], finds: /SQL injection.*"welcome'"/ },
  { name: "sqli (boolean only)", use: { probe: "sqli", request: { path: "/search?q={payload}" }, known: "welcome", techniques: ["boolean"] }, flaws: ["sqli"], finds: /Boolean-based/ },
  { name: "sqli (UNION only)", use: { probe: "sqli", request: { path: "/search?q={payload}" }, known: "welcome", techniques: ["union"] }, flaws: ["sqli"], finds: /UNION-based.*computed by the database/ },
  { name: "sqli (time only)", use: { probe: "sqli", request: { path: "/search?q={payload}" }, known: "welcome", techniques: ["time"] }, flaws: ["sqli"], finds: /Time-based.*SLEEP\(2\)/ },
  { name: "os-command-injection", use: { probe: "os-command-injection", request: { path: "/tools/ping?host={payload}" } }, flaws: ["os-command-injection"], finds: /Command injection.*only a shell/ },
  { name: "os-command-injection (time only)", use: { probe: "os-command-injection", request: { path: "/tools/ping?host={payload}" }, techniques: ["time"] }, flaws: ["os-command-injection"], finds: /Blind command injection.*sleep 2/ },
  { name: "ssti", use: { probe: "ssti", request: { path: "/hello?name={payload}" } }, flaws: ["ssti"], finds: /Template injection: .*"\$\{\d+\*\d+\}"/ },
  { name: "xss-reflected", use: { probe: "xss-reflected", request: { path: "/greet?name={payload}" } }, flaws: ["xss-reflected", "security-headers"], finds: /Reflected XSS.*verbatim in text\/html/ },
  {
    name: "xss-stored",
    use: { probe: "xss-stored", write: { method: "POST", path: "/comments", body: { text: "{payload}" } }, read: { path: "/comments" } },
    flaws: ["xss-stored", "security-headers"],
    finds: /Stored XSS.*GET \/comments → 200/,
  },
  {
    name: "idor",
    use: { probe: "idor", auth: AUTH, update: { method: "PATCH", path: "/notes/{id}", body: { title: "changed {marker}" } } },
    flaws: ["idor"],
    finds: /IDOR: user B read user A's object/,
  },
  {
    name: "mass-assignment",
    use: { probe: "mass-assignment", auth: AUTH, request: { method: "PATCH", path: "/me", body: { bio: "{marker}" } }, verify: { path: "/me" } },
    flaws: ["mass-assignment"],
    finds: /Mass assignment.*role: "admin"/,
  },
  {
    name: "csrf",
    use: { probe: "csrf", auth: COOKIE_AUTH, request: { method: "POST", path: "/session/profile", body: { bio: "{marker}" } }, verify: { path: "/session/profile" } },
    flaws: ["csrf"],
    finds: /CSRF: an HTML form post \(urlencoded\) to POST \/session\/profile/,
  },
  {
    name: "csrf (token not checked, forms refused)",
    use: { probe: "csrf", auth: COOKIE_AUTH, request: { method: "PATCH", path: "/session/profile", body: { bio: "{marker}" } }, verify: { path: "/session/profile" } },
    flaws: ["csrf"],
    finds: /CSRF: the request without its CSRF token/,
  },
  { name: "path-traversal", use: { probe: "path-traversal", request: { path: "/files/{payload}" }, legit: "readme.txt" }, flaws: ["path-traversal"], finds: /Path traversal \(URL-encoded\).*etc\/passwd/ },
  { name: "path-traversal (query)", use: { probe: "path-traversal", request: { path: "/download?file={payload}" }, legit: "readme.txt" }, flaws: ["path-traversal"], finds: /Path traversal \(plain \.\.\/\)/ },
  { name: "ssrf-loopback", use: { probe: "ssrf-loopback", request: { method: "POST", path: "/fetch", body: { url: "{payload}" } } }, flaws: ["ssrf-loopback"], finds: /SSRF: .*\(127\.0\.0\.1\)/ },
  { name: "ssrf-loopback (string blocklist)", use: { probe: "ssrf-loopback", request: { method: "POST", path: "/fetch", body: { url: "{payload}" } } }, flaws: ["ssrf-blocklist"], finds: /SSRF: .*\(127\.1 \(short form\)\)/ },
  { name: "open-redirect", use: { probe: "open-redirect", request: { path: "/redirect?next={payload}" } }, flaws: ["open-redirect"], finds: /Open redirect: .*probe-evil\.example/ },
  { name: "jwt-alg-none", use: { probe: "jwt-alg-none", auth: AUTH }, flaws: ["jwt-alg-none"], finds: /alg: none" accepted.*alg "none", no signature/ },
  { name: "jwt-expired", use: (app) => ({ probe: "jwt-expired", auth: AUTH, secret: app.jwtSecret }), flaws: ["jwt-expired"], finds: /Expired JWT accepted: .*expired an hour ago/ },
  { name: "jwt-expired (short lifetime)", use: { probe: "jwt-expired", auth: AUTH }, flaws: ["jwt-expired"], opts: { accessTtlSeconds: 1 }, finds: /Expired JWT accepted: .*the real token/, together: true },
  { name: "jwt-tampered", use: { probe: "jwt-tampered", auth: AUTH }, flaws: ["jwt-tampered"], finds: /signature not checked.*payload changed/ },
  { name: "jwt-weak-secret", use: { probe: "jwt-weak-secret", auth: AUTH }, flaws: ["jwt-weak-secret"], finds: /signed with "secret"/ },
  { name: "jwt-key-confusion (JWKS)", use: { probe: "jwt-key-confusion", auth: AUTH_V2, check: { path: "/v2/me" } }, flaws: ["jwt-key-confusion"], finds: /Algorithm confusion: .*RS256/ },
  { name: "jwt-key-confusion (PEM)", use: { probe: "jwt-key-confusion", auth: AUTH_V2, check: { path: "/v2/me" }, public_key_path: "/keys/public.pem" }, flaws: ["jwt-key-confusion"], finds: /Algorithm confusion: .*the PEM as served/ },
  { name: "refresh-token-reuse", use: { probe: "refresh-token-reuse", auth: AUTH }, flaws: ["refresh-token-reuse"], finds: /worked a second time/ },
  { name: "refresh-token-reuse (family not revoked)", use: { probe: "refresh-token-reuse", auth: AUTH }, flaws: ["refresh-family"], finds: /family was not revoked/ },
  { name: "login-rate-limit", use: { probe: "login-rate-limit", auth: AUTH }, flaws: ["login-rate-limit"], finds: /No brute-force protection: 30 wrong passwords/ },
  {
    name: "user-enumeration",
    use: {
      probe: "user-enumeration",
      auth: AUTH,
      endpoints: [AUTH.login, AUTH.signup, { method: "POST", path: "/password-reset", body: { email: "{email}" } }],
    },
    flaws: ["user-enumeration"],
    finds: /User enumeration: POST \/login answers status 401 for the existing account vs 404/,
  },
  { name: "cors-any-origin", use: { probe: "cors-any-origin" }, flaws: ["cors-any-origin"], finds: /CORS trusts any origin.*probe-evil\.example/ },
  {
    name: "cors-any-origin (trusted origin kept)",
    use: { probe: "cors-any-origin", allowed_origin: "https://app.example.test" },
    flaws: ["cors-any-origin"],
    opts: { trustedOrigin: "https://app.example.test" },
    finds: /CORS trusts any origin/,
  },
  { name: "security-headers", use: { probe: "security-headers" }, flaws: ["security-headers"], finds: /Missing security headers on GET \/ → 200: Content-Security-Policy; X-Content-Type-Options/ },
  { name: "error-leak", use: { probe: "error-leak" }, flaws: ["error-leak"], finds: /Error details leaked: truncated JSON .*a stack trace/ },
  { name: "directory-listing", use: { probe: "directory-listing" }, flaws: ["directory-listing"], finds: /Directory listing: GET \/public\/ → 200/ },
];

const open: Fixture[] = [];
afterAll(async () => {
  await Promise.all(open.map((a) => a.close()));
});

async function attack(c: Case, app: Fixture): Promise<ProbeRun> {
  const use = typeof c.use === "function" ? c.use(app) : c.use;
  return runProbe(app.url, use);
}

const explain = (r: ProbeRun) => `${r.result.status}: ${r.result.message}\n${r.result.evidence ?? ""}`;

describe("every probe finds its flaw and passes the fix", () => {
  it("covers every probe in the library", () => {
    const covered = new Set(CASES.map((c) => (typeof c.use === "function" ? "jwt-expired" : c.use.probe)));
    expect([...PROBES.keys()].filter((id) => !covered.has(id))).toEqual([]);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const vulnerable = await startVulnerable(c.flaws, c.opts);
      open.push(vulnerable);
      const early = c.together ? startFixed(c.opts).then(async (app) => ({ app, run: await attack(c, app) })) : undefined;
      const found = await attack(c, vulnerable);
      expect(found.result.status, explain(found)).toBe("fail");
      expect(found.result.message).toMatch(c.finds);
      expect(found.result.message.length).toBeLessThanOrEqual(500);
      expect((found.result.evidence ?? "").length).toBeLessThanOrEqual(500);
      expect(found.probe?.owasp).toMatch(/^A(0[1-9]|10):2025 /);
      expect(found.probe?.cwe).toMatch(/^CWE-\d+$/);
      await vulnerable.close();

      const { app: fixed, run: clean } = early ? await early : await startFixed(c.opts).then(async (app) => ({ app, run: await attack(c, app) }));
      open.push(fixed);
      expect(clean.result.status, explain(clean)).toBe("pass");
      await fixed.close();
    });
  }

  it("xss-reflected: unescaped markup under a CSP that blocks inline script passes, and says why", async () => {
    const app = await startVulnerable(["xss-reflected"]);
    open.push(app);
    const r = await runProbe(app.url, { probe: "xss-reflected", request: { path: "/greet?name={payload}" } });
    expect(r.result.status, explain(r)).toBe("pass");
    expect(r.result.message).toMatch(/Content-Security-Policy blocks inline script \(escape it anyway\)/);
  });

  it("ssrf-loopback: an allowlisted loopback port must still be fetched, redirects from it must not be followed", async () => {
    const port = await freePort();
    const use = { probe: "ssrf-loopback", request: { method: "POST", path: "/fetch", body: { url: "{payload}" } }, allowed_port: port };
    const fixed = await startFixed({ ssrfAllow: [`127.0.0.1:${port}`] });
    open.push(fixed);
    const clean = await runProbe(fixed.url, use);
    expect(clean.result.status, explain(clean)).toBe("pass");
    expect(clean.result.message).toMatch(/still fetches the allowed host/);
    await fixed.close();
    const vulnerable = await startVulnerable(["ssrf-loopback"], { ssrfAllow: [`127.0.0.1:${port}`] });
    open.push(vulnerable);
    const found = await runProbe(vulnerable.url, use);
    expect(found.result.status, explain(found)).toBe("fail");
  });

  it("the legitimate feature must keep working: a route that refuses everything fails, not passes", async () => {
    const app = await startFixed();
    open.push(app);
    const r = await runProbe(app.url, { probe: "sqli", request: { path: "/search?q={payload}" }, known: "no-such-note-anywhere" });
    expect(r.result.status, explain(r)).toBe("fail");
    expect(r.result.message).toMatch(/does not contain "no-such-note-anywhere"/);
  });
});

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("the machinery", () => {
  it("an unreachable service on loopback is an error, not a finding", async () => {
    const port = await freePort();
    const runs = await runProbes(`http://127.0.0.1:${port}`, [{ probe: "security-headers" }, { probe: "sqli", request: { path: "/s?q={payload}" }, known: "x" }]);
    expect(runs.map((r) => r.result.status)).toEqual(["error", "error"]);
    expect(runs[0]!.result.message).toMatch(/Could not reach the service at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
  });

  it("refuses anything but loopback before connecting", async () => {
    for (const bad of ["http://example.com", "http://10.0.0.1:3000", "http://192.168.1.10", "http://[2001:db8::1]/", "http://0.0.0.0:3000", "http://127.0.0.2:3000", "http://[::ffff:127.0.0.1]:3000", "http://localhost.:3000", "http://user:pw@127.0.0.1:3000", "ftp://127.0.0.1/", "file:///etc/passwd", "not a url"]) {
      expect(() => assertLoopbackUrl(bad), bad).toThrow(NetworkRuleError);
      expect(() => new HttpClient(bad), bad).toThrow(NetworkRuleError);
    }
    for (const good of ["http://127.0.0.1:3000", "http://localhost:3000/api", "http://[::1]:8080", "https://127.0.0.1/", "http://127.1:3000"]) expect(assertLoopbackUrl(good).protocol).toMatch(/^https?:$/);

    // A listener on 127.0.0.2 (loopback, but not an allowed base) counts connections: none may come.
    let connections = 0;
    const trap = http.createServer((_req, res) => res.end("trap"));
    trap.on("connection", () => connections++);
    await new Promise<void>((r) => trap.listen(0, "127.0.0.2", r));
    const url = `http://127.0.0.2:${(trap.address() as AddressInfo).port}`;
    const runs = await runProbes(url, DEFAULT_PROBES.map((probe) => ({ probe })));
    expect(runs.every((r) => r.result.status === "error" && /refusing 127\.0\.0\.2/.test(r.result.message))).toBe(true);
    const lines: string[] = [];
    expect(await probeCommand([url], { out: (s) => lines.push(s), err: (s) => lines.push(s) })).toBe(2);
    expect(lines.join("")).toMatch(/only attack loopback/);
    expect(connections).toBe(0);
    await new Promise<void>((r) => trap.close(() => r()));
  });

  it("validates uses: unknown ids, missing placeholders, typos, wrong types", () => {
    expect(() => probeFor("no-such-probe")).toThrow(/unknown probe "no-such-probe"; known: sqli/);
    const problems = validateProbeUses([
      { probe: "security-headers" },
      { probe: "nope" },
      { probe: "sqli", request: { path: "/search?q=x" }, known: "a" },
      { probe: "cors-any-origin", pathz: ["/"] },
      { probe: "login-rate-limit", auth: AUTH, attempts: 500 },
      { probe: "idor" },
      { probe: "directory-listing", name: "" },
      "sqli",
    ]);
    const at = (i: number) => problems.filter((p) => p.index === i).map((p) => `${p.field}: ${p.message}`);
    expect(at(0)).toEqual([]);
    expect(at(1)[0]).toMatch(/^probe: unknown probe "nope"/);
    expect(at(2)[0]).toMatch(/^request: needs \{payload\}/);
    expect(at(3)[0]).toMatch(/pathz|Unrecognized key/);
    expect(at(4)[0]).toMatch(/^attempts: /);
    expect(at(5)[0]).toMatch(/^auth: /);
    expect(at(6)[0]).toMatch(/^name: /);
    expect(at(7)[0]).toMatch(/^probe: /);
    for (const p of PROBES.values()) {
      expect(p.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(p.owasp).toMatch(/^A(0[1-9]|10):2025 /);
    }
  });

  it("a probe past its time budget is stopped and reported as error; bad params are an error", async () => {
    const app = await startVulnerable(["os-command-injection"]);
    open.push(app);
    const started = Date.now();
    const slow = await runProbe(app.url, { probe: "os-command-injection", request: { path: "/tools/ping?host={payload}" }, techniques: ["time"] }, { budgetMs: 800 });
    expect(slow.result.status, explain(slow)).toBe("error");
    expect(slow.result.message).toMatch(/did not finish within 0\.8 s/);
    expect(Date.now() - started).toBeLessThan(1500);
    const bad = await runProbe(app.url, { probe: "sqli", request: { path: "/search" }, known: "welcome" });
    expect(bad.duration_ms).toBeLessThan(100);
    expect(bad.result.status).toBe("error");
    expect(bad.result.message).toMatch(/Bad parameters for probe "sqli": request: needs \{payload\}/);
  });

  it("a service that stops answering mid-attack fails the probe (the learner's crash), it is not an error", async () => {
    let n = 0;
    const fragile = http.createServer((req, res) => {
      if (n++ === 0) res.writeHead(400, { "content-type": "application/json" }).end('{"error":"bad request"}');
      else req.socket.destroy();
    });
    await new Promise<void>((r) => fragile.listen(0, "127.0.0.1", r));
    const r = await runProbe(`http://127.0.0.1:${(fragile.address() as AddressInfo).port}`, { probe: "error-leak" });
    expect(r.result.status, explain(r)).toBe("fail");
    expect(r.result.message).toMatch(/stopped answering in the middle of the attack: after 1 answers/);
    fragile.closeAllConnections();
    await new Promise<void>((r2) => fragile.close(() => r2()));
  });

  it("backlab probe: default probes, a table or JSON, exit 1 on findings and 0 when clean, 2 on usage errors", async () => {
    const vulnerable = await startVulnerable();
    const fixed = await startFixed();
    open.push(vulnerable, fixed);
    const io = () => {
      const out: string[] = [];
      const err: string[] = [];
      return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
    };
    const a = io();
    expect(await probeCommand([vulnerable.url], a.io)).toBe(1);
    const text = a.out.join("");
    for (const id of ["security-headers", "error-leak", "cors-any-origin", "directory-listing"]) expect(text).toMatch(new RegExp(`FAIL\\s+${id}`));
    expect(text).toMatch(/0 passed, 4 failed, 0 could not run/);

    const b = io();
    expect(await probeCommand([fixed.url, "--json"], b.io)).toBe(0);
    const runs = JSON.parse(b.out.join("")) as ProbeRun[];
    expect(runs.map((r) => r.result.status)).toEqual(DEFAULT_PROBES.map(() => "pass"));

    const c = io();
    expect(await probeCommand([vulnerable.url, "--probe", "sqli", "--param", "request.path=/search?q={payload}", "--param", "sqli:known=welcome", "--param", "techniques=[\"error\"]"], c.io)).toBe(1);
    expect(c.out.join("")).toMatch(/FAIL\s+sqli\s+A05:2025 CWE-89/);

    const d = io();
    expect(await probeCommand([fixed.url, "--probe", "sqli"], d.io)).toBe(2);
    expect(d.err.join("")).toMatch(/sqli: request: /);
    expect(await probeCommand(["--bogus"], io().io)).toBe(2);
    expect(await probeCommand([], io().io)).toBe(2);
    const e = io();
    expect(await probeCommand(["--list"], e.io)).toBe(0);
    expect(e.out.join("").split("\n").filter(Boolean)).toHaveLength(PROBES.size);
  });
});
