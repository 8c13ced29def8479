import { z } from "zod";
import { AuthSpec, accountFor, accountVars, ensureAccount, loginOf, loginWorked } from "../auth.ts";
import type { HttpResponse } from "../http.ts";
import { exchange, fail, LegitFailure, line, pass, random } from "../report.ts";
import { describeTemplate, RequestTemplate, toRequest } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { is2xx } from "./common.ts";

const LOCKED = /too many|rate.?limit|locked|try again later|temporarily|slow down/i;

/** A throttling answer: 429, 423, a Retry-After, or a failure whose text says so. */
function throttled(res: HttpResponse, firstFailure: HttpResponse | undefined): boolean {
  if (res.status === 429 || res.status === 423 || res.header("retry-after") !== undefined) return true;
  return (
    !!firstFailure && (res.status !== firstFailure.status || res.body !== firstFailure.body) && LOCKED.test(res.body)
  );
}

export const loginRateLimit = defineProbe({
  id: "login-rate-limit",
  title: "No brute-force protection on login",
  owasp: OWASP_2025.A07,
  cwe: "CWE-307",
  params: z
    .strictObject({
      /** With `auth`, the probe uses a real account: correct login works first, then wrong passwords. */
      auth: AuthSpec.optional(),
      /** Without `auth`: the login request ({username}, {password}) and the account to hammer. */
      login: RequestTemplate.optional(),
      username: z.string().min(1).max(200).default("admin"),
      /** Wrong passwords sent before giving up. */
      attempts: z.number().int().min(3).max(50).default(30),
    })
    .refine((p) => p.auth || p.login, {
      message: "give `auth` (a real account) or `login` (the login request, with `username`)",
    }),
  async run(ctx, p) {
    const template = p.auth?.login ?? p.login ?? loginOf(p.auth!, "login-rate-limit");
    // A wrong password "gets in" only by the service's own success signal: a plain redirect
    // is how many form logins answer failures too.
    const gotIn = (res: HttpResponse) => (p.auth?.success ? loginWorked(p.auth, res, template.path) : is2xx(res));
    const where = describeTemplate(template);
    let vars = { username: p.username, email: `${p.username}@example.test`, password: "" };
    if (p.auth) {
      const account = accountFor(p.auth, 0);
      await ensureAccount(ctx, p.auth, 0, account);
      vars = accountVars(account) as typeof vars;
      const ok = await ctx.http.send(toRequest(template, vars));
      if (!loginWorked(p.auth, ok, template.path))
        throw new LegitFailure(
          `Logging in as ${account.username} with the right password did not work: ${line(ok)}. Give \`auth.success\` if the service signals success another way.`,
          exchange(ok),
        );
    }
    const right = vars.password;
    let firstFailure: HttpResponse | undefined;
    for (let i = 1; i <= p.attempts; i++) {
      const res = await ctx.http.send(toRequest(template, { ...vars, password: `wrong-${random(4)}` }));
      if (gotIn(res)) return fail(`A wrong password was accepted by ${where} (${res.status}).`, exchange(res));
      if (i === 1 && (res.status === 404 || res.status === 405))
        throw new LegitFailure(
          `${where} answered ${res.status}: there is no login route there to protect.`,
          exchange(res),
        );
      if (throttled(res, firstFailure)) {
        if (p.auth) {
          const during = await ctx.http.send(toRequest(template, { ...vars, password: right }));
          if (loginWorked(p.auth, during, template.path)) {
            return fail(
              `${where} said ${res.status} after ${i - 1} wrong passwords, but the right password still gets in during the lockout (${during.status}): an attacker just keeps guessing until a guess is answered 2xx. Refuse every attempt while limited.`,
              exchange(during),
            );
          }
        }
        return pass(
          `After ${i - 1} wrong passwords, attempt ${i} on ${where} was answered ${res.status}${res.header("retry-after") ? ` (Retry-After: ${res.header("retry-after")})` : ""}: guessing is throttled${p.auth ? ", and the right password is refused too while it lasts" : ""}.`,
        );
      }
      firstFailure ??= res;
    }
    return fail(
      `No brute-force protection: ${p.attempts} wrong passwords for ${JSON.stringify(vars.username)} on ${where} were all answered ${firstFailure?.status} with no 429, lockout or Retry-After. Limit failed attempts per account and per client (e.g. 5 per 15 minutes → 429 with Retry-After).`,
      firstFailure ? exchange(firstFailure) : undefined,
    );
  },
});
