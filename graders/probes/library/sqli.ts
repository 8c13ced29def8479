import { z } from "zod";
import { SQL_ERRORS, normalizeBody } from "../analyze.ts";
import { AuthSpec, maybeSession } from "../auth.ts";
import { exchange, exchanges, expectOk, fail, LegitFailure, line, pass, show } from "../report.ts";
import { describeTemplate, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { delayed, is2xx, product, sendTemplate, timed } from "./common.ts";

const TECHNIQUES = ["error", "boolean", "union", "time"] as const;

const FIX =
  'Build the query with placeholders (db.prepare("… WHERE title LIKE ?").all(`%${q}%`)), never by pasting input into SQL text.';

export const sqli = defineProbe({
  id: "sqli",
  title: "SQL injection",
  owasp: OWASP_2025.A05,
  cwe: "CWE-89",
  params: z.strictObject({
    /** The request that takes the input, e.g. `{ path: "/search?q={payload}" }`. */
    request: templateWith("payload"),
    auth: AuthSpec.optional(),
    /** A normal input that finds something, e.g. "welcome". */
    known: z.string().min(1).max(200),
    /** Text the normal answer contains (case-insensitive); default: `known`. */
    expect: z.string().min(1).max(200).optional(),
    techniques: z
      .array(z.enum(TECHNIQUES))
      .min(1)
      .default([...TECHNIQUES]),
    /** For time-based payloads (SLEEP(n), pg_sleep(n), WAITFOR DELAY). */
    delay_seconds: z.number().int().min(1).max(3).default(2),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const send = (payload: string, timeoutMs?: number) =>
      sendTemplate(ctx, p.request, { payload }, session, timeoutMs ? { timeoutMs } : {});
    const k = p.known;
    const where = describeTemplate(p.request);
    const legit = expectOk(await send(k), `The normal request with ${show(k)}`);
    const expect = p.expect ?? k;
    if (!legit.body.toLowerCase().includes(expect.toLowerCase())) {
      throw new LegitFailure(
        `The normal request ${line(legit)} does not contain ${show(expect)}: the search must keep finding normal data.`,
        exchange(legit),
      );
    }
    const tried: string[] = [];

    if (p.techniques.includes("error")) {
      tried.push("error-based");
      for (const suffix of ["'", '"', "')", "\\"]) {
        const v = k + suffix;
        const res = await send(v);
        const dbError = SQL_ERRORS.find((re) => re.test(res.body));
        if (dbError || res.status >= 500) {
          const what = dbError ? `answered ${res.status} with a database error` : `answered ${res.status}`;
          return fail(
            `Error-based SQL injection: ${where} with ${show(v)} ${what}, so the quote ended a string inside the SQL text. ${FIX}`,
            exchange(res),
          );
        }
      }
    }

    if (p.techniques.includes("boolean")) {
      tried.push("boolean-based");
      const norm = (r: { status: number; body: string }, payload: string) =>
        `${r.status}|${normalizeBody(r.body, [payload])}`;
      const pairs: Array<[string, string]> = [
        [`${k}' OR 1=1-- `, `${k}' OR 1=2-- `],
        [`${k}' OR '1'='1`, `${k}' OR '1'='2`],
        [`${k}" OR 1=1-- `, `${k}" OR 1=2-- `],
        [`${k} OR 1=1`, `${k} OR 1=2`],
        [`${k}' AND '1'='1`, `${k}' AND '1'='2`],
        [`${k} AND 1=1`, `${k} AND 1=2`],
      ];
      for (const [t, f] of pairs) {
        const rf = await send(f);
        const rt = await send(t);
        if (!is2xx(rt) || norm(rt, t) === norm(rf, f)) continue;
        const rf2 = await send(f);
        if (norm(rf2, f) !== norm(rf, f)) continue; // the answer changes by itself: no conclusion
        return fail(
          `Boolean-based SQL injection: ${where} with ${show(t)} (always true) answered differently (${rt.status}, ${rt.body.length} bytes) than with ${show(f)} (always false: ${rf.status}, ${rf.body.length} bytes), so the condition ran as SQL. ${FIX}`,
          exchanges([rt, rf]),
        );
      }
    }

    if (p.techniques.includes("union")) {
      tried.push("UNION-based");
      const m = product([legit.body]);
      for (const prefix of [`${k}' `, `${k}" `, `${k} `]) {
        for (let n = 1; n <= 6; n++) {
          const v = `${prefix}UNION SELECT ${Array.from({ length: n }, () => `${m.a}*${m.b}`).join(",")}-- `;
          const res = await send(v);
          if (res.body.includes(m.value)) {
            return fail(
              `UNION-based SQL injection: ${where} with ${show(v)} returned ${m.value} (= ${m.a}*${m.b}, computed by the database), so an attacker can read any table. ${FIX}`,
              exchange(res),
            );
          }
        }
      }
    }

    if (p.techniques.includes("time")) {
      tried.push("time-based");
      const d = p.delay_seconds;
      const base = Math.max(legit.ms, (await send(k)).ms, (await send(k)).ms);
      const payloads = (s: number) => [
        `${k}' OR (SELECT SLEEP(${s}))-- `,
        `${k}' OR 1=(SELECT 1 FROM PG_SLEEP(${s}))-- `,
        `${k}'; WAITFOR DELAY '0:0:${s}'-- `,
        `${k} OR (SELECT SLEEP(${s}))`,
      ];
      const slow = payloads(d);
      const fast = payloads(0);
      for (let i = 0; i < slow.length; i++) {
        const t = await timed(() => send(slow[i]!, d * 1000 + 2500));
        if (!delayed(t.ms, base, d * 1000)) continue;
        const c = await timed(() => send(fast[i]!, d * 1000 + 2500));
        if (delayed(c.ms, base, d * 1000)) continue; // slow anyway: not our sleep
        const took = Number.isFinite(t.ms) ? `${Math.round(t.ms)} ms` : `over ${d * 1000 + 2500} ms (timed out)`;
        return fail(
          `Time-based SQL injection: ${where} with ${show(slow[i]!)} took ${took} against ${Math.round(base)} ms normally, and ${Math.round(c.ms)} ms with a 0-second sleep: the database ran the injected sleep. ${FIX}`,
          t.res ? exchange(t.res) : `> ${where} with ${slow[i]}\n< no answer within ${d * 1000 + 2500} ms`,
        );
      }
    }

    return pass(
      `Tried ${tried.join(", ")} SQL injection on ${where}: the input stayed data, and the normal request with ${show(k)} still finds ${show(expect)}.`,
    );
  },
});
