import { z } from "zod";
import { AuthSpec, accountFor, accountVars, ensureAccount, loginOf } from "../auth.ts";
import { CookieJar, type HttpResponse } from "../http.ts";
import { exchange, expectOk, fail, LegitFailure, line, pass } from "../report.ts";
import { describeTemplate, getPath, RequestTemplate, toRequest } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { is2xx } from "./common.ts";

const FIX =
  "Rotate refresh tokens: each works once; when a used one comes back, revoke its whole family (every token issued from the same login) so the thief and the victim both have to sign in again.";

export const refreshTokenReuse = defineProbe({
  id: "refresh-token-reuse",
  title: "Refresh token reuse",
  owasp: OWASP_2025.A07,
  cwe: "CWE-613",
  params: z.strictObject({
    /** How to sign in; the login answer must carry a refresh token. */
    auth: AuthSpec,
    /** Exchanges a refresh token ({refresh}) for new tokens. */
    refresh: RequestTemplate.default({
      method: "POST",
      path: "/refresh",
      body: { refreshToken: "{refresh}" },
      body_type: "json",
    }),
    /** Where the refresh token is, in the login and refresh answers: a dotted JSON path, or "cookie:<name>". */
    refresh_token: z.string().min(1).max(200).default("refreshToken"),
    /** Fail unless reuse also revokes the newer tokens of the same family. */
    require_family_revocation: z.boolean().default(true),
  }),
  async run(ctx, p) {
    const cookie = p.refresh_token.startsWith("cookie:") ? p.refresh_token.slice(7) : undefined;
    const take = (res: HttpResponse, jar: CookieJar): string | undefined => {
      if (cookie) return jar.get(cookie);
      const v = getPath(res.json(), p.refresh_token);
      return typeof v === "string" && v ? v : undefined;
    };
    const where = describeTemplate(p.refresh);
    const use = (token: string) => {
      const jar = new CookieJar();
      if (cookie) jar.set(cookie, token);
      return ctx.http
        .send({ ...toRequest(p.refresh, { refresh: token }), jar })
        .then((res) => ({ res, next: take(res, jar) }));
    };

    const account = accountFor(p.auth, 0);
    await ensureAccount(ctx, p.auth, 0, account);
    const loginJar = new CookieJar();
    const login = expectOk(
      await ctx.http.send({
        ...toRequest(loginOf(p.auth, "refresh-token-reuse"), accountVars(account)),
        jar: loginJar,
      }),
      `Logging in as ${account.username}`,
    );
    const r1 = take(login, loginJar);
    if (!r1)
      throw new LegitFailure(
        `Logging in answered ${login.status} without a refresh token at ${cookie ? `cookie ${cookie}` : `\`${p.refresh_token}\``}.`,
        exchange(login),
      );

    const first = await use(r1);
    expectOk(first.res, `Using the refresh token once (${where})`);
    const r2 = first.next;
    if (!r2)
      throw new LegitFailure(
        `Refreshing answered ${first.res.status} without a new refresh token.`,
        exchange(first.res),
      );
    if (r2 === r1)
      return fail(
        `${where} answered with the same refresh token it was given: refresh tokens are not rotated, so a stolen one works until it expires. ${FIX}`,
        exchange(first.res),
      );

    const replay = await use(r1);
    if (is2xx(replay.res))
      return fail(
        `Refresh token reuse: the first refresh token worked a second time — ${line(replay.res)} after it had already been exchanged. A stolen refresh token keeps working. ${FIX}`,
        exchange(replay.res),
      );
    if (!p.require_family_revocation) return pass(`Reusing a refresh token was refused (${replay.res.status}).`);

    const newer = await use(r2);
    if (is2xx(newer.res)) {
      return fail(
        `Reuse was refused (${replay.res.status}), but the family was not revoked: the newer refresh token issued before the reuse still works (${line(newer.res)}). When a used token comes back, someone has a copy — the attacker may hold the newer one. ${FIX}`,
        exchange(newer.res),
      );
    }
    return pass(
      `A refresh token worked once, its reuse was refused (${replay.res.status}), and the reuse revoked the newer token of the same family (${newer.res.status}).`,
    );
  },
});
