import { z } from "zod";
import { jsonShape, normalizeBody } from "../analyze.ts";
import { AuthSpec, accountFor, ensureAccount, loginOf } from "../auth.ts";
import type { HttpResponse } from "../http.ts";
import { exchanges, fail, pass, random } from "../report.ts";
import { describeTemplate, RequestTemplate, toRequest, type Vars } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";

export const userEnumeration = defineProbe({
  id: "user-enumeration",
  title: "User enumeration",
  owasp: OWASP_2025.A07,
  cwe: "CWE-204",
  params: z.strictObject({
    /** Gives the probe a known account (created through `auth.signup`, or `auth.users[0]`). */
    auth: AuthSpec,
    /**
     * Requests sent once for the known account and twice for unknown ones ({username},
     * {email}; {password} is a wrong one). Default: `auth.login`.
     */
    endpoints: z.array(RequestTemplate).min(1).max(6).optional(),
  }),
  async run(ctx, p) {
    const known = accountFor(p.auth, 0);
    await ensureAccount(ctx, p.auth, 0, known);
    const endpoints = p.endpoints ?? [loginOf(p.auth, "user-enumeration")];
    const fresh = (): Vars => {
      const username = `probez${random(4)}`;
      return { username, email: `${username}@example.test`, password: `Wr0ng-${random(4)}!` };
    };
    const checked: string[] = [];
    for (const t of endpoints) {
      const where = describeTemplate(t);
      const u1 = fresh();
      const k: Vars = { username: known.username, email: known.email, password: `Wr0ng-${random(4)}!` };
      const u2 = fresh();
      const a = await ctx.http.send(toRequest(t, u1));
      const b = await ctx.http.send(toRequest(t, k));
      const c = await ctx.http.send(toRequest(t, u2));
      const norm = (res: HttpResponse, v: Vars) => normalizeBody(res.body, [v.username!, v.email!, v.password!]);
      const shape = (res: HttpResponse) => {
        const j = res.json();
        return j === undefined ? `text:${res.body.length > 0}` : jsonShape(j);
      };
      const stable = norm(a, u1) === norm(c, u2);
      const differs = a.status !== b.status || shape(a) !== shape(b) || (stable && norm(a, u1) !== norm(b, k));
      if (differs) {
        const how =
          a.status !== b.status
            ? `status ${b.status} for the existing account vs ${a.status} for an unknown one`
            : shape(a) !== shape(b)
              ? "a differently shaped body"
              : "a different message";
        return fail(
          `User enumeration: ${where} answers ${how}, so anyone can find out which accounts exist (then phish or brute-force them). Give the same status and body either way (e.g. 401 "invalid username or password"; 202 "if the account exists, we sent an email").`,
          exchanges([b, a]),
        );
      }
      checked.push(where);
    }
    return pass(
      `${checked.join(", ")} answer an existing and an unknown account alike (same status and body, up to the name itself).`,
    );
  },
});
