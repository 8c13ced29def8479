/**
 * The machinery around the probes: unreachable service → error, non-loopback → refused before
 * any connection, parameter validation, the time budget, a crash mid-probe, and the CLI.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { probeCommand } from "./cli.ts";
import type { Fixture } from "./fixtures/app.ts";
import { startFixed } from "./fixtures/fixed.ts";
import { AUTH, explain, freePort } from "./fixtures/harness.ts";
import { startVulnerable } from "./fixtures/vulnerable.ts";
import { assertLoopbackUrl, HttpClient, NetworkRuleError } from "./http.ts";
import { DEFAULT_PROBES, PROBES, probeFor } from "./index.ts";
import { runProbe, runProbes, validateProbeUses, type ProbeRun } from "./run.ts";

const open: Fixture[] = [];
afterAll(async () => {
  await Promise.all(open.map((a) => a.close()));
});

describe("the machinery", () => {
  it("an unreachable service on loopback is an error, not a finding", async () => {
    const port = await freePort();
    const runs = await runProbes(`http://127.0.0.1:${port}`, [
      { probe: "security-headers" },
      { probe: "sqli", request: { path: "/s?q={payload}" }, known: "x" },
    ]);
    expect(runs.map((r) => r.result.status)).toEqual(["error", "error"]);
    expect(runs[0]!.result.message).toMatch(/Could not reach the service at http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/);
  });

  it("refuses anything but loopback before connecting", async () => {
    for (const bad of [
      "http://example.com",
      "http://10.0.0.1:3000",
      "http://192.168.1.10",
      "http://[2001:db8::1]/",
      "http://0.0.0.0:3000",
      "http://127.0.0.2:3000",
      "http://[::ffff:127.0.0.1]:3000",
      "http://localhost.:3000",
      "http://user:pw@127.0.0.1:3000",
      "ftp://127.0.0.1/",
      "file:///etc/passwd",
      "not a url",
    ]) {
      expect(() => assertLoopbackUrl(bad), bad).toThrow(NetworkRuleError);
      expect(() => new HttpClient(bad), bad).toThrow(NetworkRuleError);
    }
    for (const good of [
      "http://127.0.0.1:3000",
      "http://localhost:3000/api",
      "http://[::1]:8080",
      "https://127.0.0.1/",
      "http://127.1:3000",
    ])
      expect(assertLoopbackUrl(good).protocol).toMatch(/^https?:$/);

    // A listener on 127.0.0.2 (loopback, but not an allowed base) counts connections: none may come.
    let connections = 0;
    const trap = http.createServer((_req, res) => res.end("trap"));
    trap.on("connection", () => connections++);
    await new Promise<void>((r) => trap.listen(0, "127.0.0.2", r));
    const url = `http://127.0.0.2:${(trap.address() as AddressInfo).port}`;
    const runs = await runProbes(
      url,
      DEFAULT_PROBES.map((probe) => ({ probe })),
    );
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
    const slow = await runProbe(
      app.url,
      { probe: "os-command-injection", request: { path: "/tools/ping?host={payload}" }, techniques: ["time"] },
      { budgetMs: 800 },
    );
    expect(slow.result.status, explain(slow)).toBe("error");
    expect(slow.result.message).toMatch(/did not finish within 0\.8 s/);
    expect(Date.now() - started).toBeLessThan(1500);
    const bad = await runProbe(app.url, { probe: "sqli", request: { path: "/search" }, known: "welcome" });
    expect(bad.duration_ms).toBeLessThan(100);
    expect(bad.result.status).toBe("error");
    expect(bad.result.message).toMatch(/Bad parameters for probe "sqli": request: needs \{payload\}/);
  });

  it("a service that stops answering mid-attack fails the probe (the learner's crash), and the probes after it do not run", async () => {
    let n = 0;
    const fragile = http.createServer((req, res) => {
      if (n++ === 0) res.writeHead(400, { "content-type": "application/json" }).end('{"error":"bad request"}');
      else req.socket.destroy();
    });
    await new Promise<void>((r) => fragile.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(fragile.address() as AddressInfo).port}`;
    const r = await runProbe(url, { probe: "error-leak" });
    expect(r.result.status, explain(r)).toBe("fail");
    expect(r.result.message).toMatch(
      /stopped answering in the middle of the attack, so the probe stopped: after 1 answers/,
    );
    expect(r.stopped).toBe(true);
    // The probes after it are not run against a service that no longer answers, and say why.
    n = 0;
    const [first, second] = await runProbes(url, [{ probe: "error-leak" }, { probe: "security-headers" }], {
      requestTimeoutMs: 500,
    });
    expect(first!.result.status, explain(first!)).toBe("fail");
    expect(second!.result.status, explain(second!)).toBe("error");
    expect(second!.result.message).toMatch(/stopped answering during probe "error-leak" and still does not answer/);
    fragile.closeAllConnections();
    await new Promise<void>((r2) => fragile.close(() => r2()));
  });

  it("backlab probe: default probes, a table or JSON, exit 1 on findings, 0 when clean, 2 on usage errors, 3 when a probe could not run", async () => {
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
    for (const id of ["security-headers", "error-leak", "cors-any-origin", "directory-listing"])
      expect(text).toMatch(new RegExp(`FAIL\\s+${id}`));
    expect(text).toMatch(/0 passed, 4 failed, 0 could not run/);

    const b = io();
    expect(await probeCommand([fixed.url, "--json"], b.io)).toBe(0);
    const runs = JSON.parse(b.out.join("")) as ProbeRun[];
    expect(runs.map((r) => r.result.status)).toEqual(DEFAULT_PROBES.map(() => "pass"));

    const c = io();
    expect(
      await probeCommand(
        [
          vulnerable.url,
          "--probe",
          "sqli",
          "--param",
          "request.path=/search?q={payload}",
          "--param",
          "sqli:known=welcome",
          "--param",
          'techniques=["error"]',
        ],
        c.io,
      ),
    ).toBe(1);
    expect(c.out.join("")).toMatch(/FAIL\s+sqli\s+A05:2025 CWE-89/);

    const d = io();
    // A precondition the service does not meet is "could not run", never a finding: exit 3.
    const f = io();
    expect(
      await probeCommand(
        [fixed.url, "--probe", "sqli", "--param", "request.path=/search?q={payload}", "--param", "known=no-such-note"],
        f.io,
      ),
    ).toBe(3);
    expect(f.out.join("")).toMatch(/COULD NOT RUN\s+sqli[\s\S]*could not run: .*does not contain "no-such-note"/);
    expect(f.out.join("")).toMatch(/0 passed, 0 failed, 1 could not run/);

    expect(await probeCommand([fixed.url, "--probe", "sqli"], d.io)).toBe(2);
    expect(d.err.join("")).toMatch(/sqli: request: /);
    expect(await probeCommand(["--bogus"], io().io)).toBe(2);
    expect(await probeCommand([], io().io)).toBe(2);
    const e = io();
    expect(await probeCommand(["--list"], e.io)).toBe(0);
    // One line per probe, then its parameters (indented).
    expect(
      e.out
        .join("")
        .split("\n")
        .filter((l) => /^\S/.test(l)),
    ).toHaveLength(PROBES.size);
  });
});
