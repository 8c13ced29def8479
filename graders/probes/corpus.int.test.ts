/**
 * The probes against services nobody tuned them for (fixtures/corpus.ts): every case is one
 * probe use aimed at the vulnerable and the fixed version of a shape. The vulnerable one must
 * be FOUND (fail), the fixed one must raise NOTHING (pass: not a finding, and not "could not
 * run" either). The figures (found %, false alarms) are printed at the end.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  jsonApi200,
  jsonErrors,
  lateWebhook,
  redirects,
  startShape,
  type CorpusApp,
  type Shape,
} from "./fixtures/corpus.ts";
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
