/**
 * The corpus driven ONLY by discovery and credentials: no hand-written target. Each shape is
 * described by an OpenAPI document (a file given with --openapi, or the one the service
 * serves) or by nothing at all (the crawl). Every planned use runs against the vulnerable and
 * the fixed version: in the vulnerable one each expected probe must find its flaw, in the
 * fixed one no use may report anything (no finding, and no "could not run" either). The
 * figures (found %, false alarms) are printed at the end.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discover } from "./auto.ts";
import { probeCommand } from "./cli.ts";
import { crawl, parentFolders, targetsFromOpenApi } from "./discover.ts";
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
import { JSON_API_200_OPENAPI, JSON_ERRORS_OPENAPI, LATE_WEBHOOK_OPENAPI } from "./fixtures/corpus-docs.ts";
import { explain } from "./fixtures/harness.ts";
import type { ProbeRun } from "./run.ts";
import { shop } from "./fixtures/shop.ts";
import { runProbes } from "./run.ts";

type Case = {
  name: string;
  shape: Shape;
  /** An OpenAPI document written to a file and given as --openapi; "served": the service's own; none: the crawl. */
  openapi?: object | "served";
  users?: Array<{ username: string; password: string }>;
  /** probe id → what its finding says. */
  finds: Record<string, RegExp>;
};

const CASES: Case[] = [
  {
    name: "200-with-error JSON API with JWTs (OpenAPI file)",
    shape: jsonApi200,
    openapi: JSON_API_200_OPENAPI,
    users: [{ username: "alice", password: "alice-pass-1" }],
    finds: { "jwt-alg-none": /alg: none" accepted/, "jwt-tampered": /JWT signature not checked/ },
  },
  {
    name: "late SSRF fetch (OpenAPI file)",
    shape: lateWebhook,
    openapi: LATE_WEBHOOK_OPENAPI,
    finds: { "ssrf-loopback": /SSRF: .*after it had answered/ },
  },
  {
    name: "error leak next to Express's default 404 (OpenAPI file with $refs)",
    shape: jsonErrors,
    openapi: JSON_ERRORS_OPENAPI,
    finds: { "error-leak": /Error details leaked.*POST \/api\/items.*a stack trace/ },
  },
  {
    name: "redirect builders and a confirmation page (crawl, no document)",
    shape: redirects,
    finds: { "open-redirect": /Open redirect: .*probe-evil\.example/ },
  },
  {
    name: "form login answering 302, session cookie, CSRF-protected form, listed uploads (crawl)",
    shape: formSite,
    users: [{ username: "carol", password: "carol-pass-1" }],
    finds: {
      "xss-stored": /Stored XSS: .*verbatim in text\/html/,
      "directory-listing": /Directory listing: .*uploads/,
    },
  },
  {
    name: "shop with its own /openapi.json: existing-id IDOR (orders, baskets), null-byte traversal",
    shape: shop,
    openapi: "served",
    users: [
      { username: "alice", password: "alice-pass-1" },
      { username: "bob", password: "bob-pass-1" },
    ],
    finds: {
      "idor-existing": /IDOR: .*read user A's object/,
      "path-traversal": /Path traversal \((double-encoded )?null byte \+ extension/,
    },
  },
];

const open: CorpusApp[] = [];
const tmp: string[] = [];
afterAll(async () => {
  await Promise.all(open.map((a) => a.close()));
  await Promise.all(tmp.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function docFile(doc: object): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "probe-doc-"));
  tmp.push(dir);
  const file = path.join(dir, "openapi.json");
  await fs.writeFile(file, JSON.stringify(doc));
  return file;
}

const say = (r: ProbeRun) => `${r.use.probe} ${JSON.stringify(r.use).slice(0, 300)}\n${explain(r)}`;

const tally = { flaws: 0, found: 0, uses: 0, alarms: 0, couldNotRun: 0 };

describe("the corpus through discovery only (--openapi or the crawl, and credentials)", () => {
  for (const c of CASES) {
    it(c.name, { timeout: 120_000 }, async () => {
      const vulnerable = await startShape(c.shape, true);
      const fixed = await startShape(c.shape, false);
      open.push(vulnerable, fixed);
      const openapi = c.openapi === "served" ? "auto" : c.openapi ? await docFile(c.openapi) : undefined;
      const opts = { ...(openapi ? { openapi } : {}), users: c.users ?? [] };
      const planV = await discover(vulnerable.url, opts);
      const planF = await discover(fixed.url, opts);
      for (const probe of Object.keys(c.finds))
        expect(
          planV.uses.map((u) => u.probe),
          `${probe} planned; ${planV.source}`,
        ).toContain(probe);
      const found = await runProbes(vulnerable.url, planV.uses);
      const clean = await runProbes(fixed.url, planF.uses);
      for (const [probe, re] of Object.entries(c.finds)) {
        tally.flaws++;
        const hits = found.filter((r) => r.use.probe === probe && r.result.status === "fail");
        if (hits.some((r) => re.test(r.result.message))) tally.found++;
        expect(hits.map((r) => r.result.message).join("\n"), found.map(say).join("\n")).toMatch(re);
      }
      tally.uses += clean.length;
      tally.alarms += clean.filter((r) => r.result.status === "fail").length;
      tally.couldNotRun += clean.filter((r) => r.result.status === "error").length;
      const bad = clean.filter((r) => r.result.status !== "pass");
      expect(bad.map(say), `fixed ${c.name}: ${clean.length} uses`).toEqual([]);
    });
  }

  afterAll(() => {
    const pct = tally.flaws ? Math.round((tally.found / tally.flaws) * 100) : 0;
    console.log(
      `probe corpus by discovery: ${tally.found}/${tally.flaws} flaws found (${pct} %); on the fixed services ${tally.alarms} false alarms and ${tally.couldNotRun} "could not run" in ${tally.uses} probe uses`,
    );
  });
});

describe("discovery itself", () => {
  it("reads operations, parameters, bodies ($ref), auth and answers from an OpenAPI document", () => {
    const targets = targetsFromOpenApi(JSON_ERRORS_OPENAPI);
    expect(targets).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/api/items",
        auth: false,
        fields: [{ name: "name", in: "body", type: "string", required: true }],
      }),
    ]);
    const jwt = targetsFromOpenApi(JSON_API_200_OPENAPI);
    expect(jwt.find((t) => t.path === "/api/profile")?.auth).toBe(true);
    expect(jwt.find((t) => t.path === "/api/login")?.answers).toContain("data.token");
  });

  it("crawls same-origin links and forms only, within its page bound, never submitting a form", async () => {
    const site = await startShape(formSite, true);
    open.push(site);
    const targets = await crawl(site.url, { maxPages: 10 });
    expect(targets.map((t) => `${t.method} ${t.path}`)).toEqual(
      expect.arrayContaining(["GET /", "GET /login", "POST /login", "GET /comments", "GET /public/uploads/avatar.png"]),
    );
    expect(targets.some((t) => /logout/.test(t.path))).toBe(false);
    expect(parentFolders(targets)).toEqual(expect.arrayContaining(["/", "/public/", "/public/uploads/"]));
    const few = await crawl(site.url, { maxPages: 1 });
    expect(new Set(few.map((t) => t.page)).size).toBe(1);
  });

  it("backlab probe --openapi <file> --plan prints the planned uses; the run exits 1 on the vulnerable service", async () => {
    const app = await startShape(lateWebhook, true);
    open.push(app);
    const file = await docFile(LATE_WEBHOOK_OPENAPI);
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s) };
    expect(await probeCommand([app.url, "--openapi", file, "--plan"], io)).toBe(0);
    const plan = JSON.parse(out.join("")) as { uses: Array<{ probe: string; request?: { path: string } }> };
    expect(plan.uses.find((u) => u.probe === "ssrf-loopback")?.request?.path).toBe("/webhooks");
    out.length = 0;
    expect(await probeCommand([app.url, "--openapi", file, "--probe", "ssrf-loopback"], io)).toBe(1);
    expect(out.join("")).toMatch(/discovered: OpenAPI .*1 operations[\s\S]*FAIL\s+ssrf-loopback/);
  });
});
