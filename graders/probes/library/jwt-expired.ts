import crypto from "node:crypto";
import { z } from "zod";
import { hmacMatches, signJwt } from "../jwt.ts";
import { exchange, fail, pass } from "../report.ts";
import { defineProbe, OWASP_2025, ProbeSetupError } from "../types.ts";
import { sleep } from "./common.ts";
import { accepted, JwtParams, jwtTarget } from "./jwt-common.ts";

const MAX_WAIT_MS = 6_000;

export const jwtExpired = defineProbe({
  id: "jwt-expired",
  title: "Expired JWT accepted",
  owasp: OWASP_2025.A07,
  cwe: "CWE-613",
  params: z.strictObject({
    ...JwtParams,
    /** The service's HS* secret (as the exercise configures it), to sign a token that expired an hour ago. */
    secret: z.string().min(1).max(500).optional(),
    /** Or its private key (PEM), for RS256, PS256 or ES256 tokens. */
    private_key: z.string().includes("PRIVATE KEY").max(10_000).optional(),
  }),
  async run(ctx, p) {
    const t = await jwtTarget(ctx, p);
    if ("status" in t) return t;
    const { header, payload } = t.jwt;
    const alg = String(header.alg ?? "");
    const now = Math.floor(Date.now() / 1000);
    let token: string;
    let how: string;
    if (p.secret !== undefined || p.private_key !== undefined) {
      if (alg.startsWith("HS")) {
        if (p.secret === undefined)
          throw new ProbeSetupError(`the service's tokens are ${alg}: give \`secret\`, not \`private_key\``);
        if (!hmacMatches(t.jwt, p.secret))
          throw new ProbeSetupError(
            "`secret` does not verify the service's tokens: give the secret the service is configured with",
          );
        token = signJwt(
          header,
          { ...payload, iat: now - 7200, ...(payload.nbf !== undefined ? { nbf: now - 7200 } : {}), exp: now - 3600 },
          p.secret,
        );
      } else {
        if (p.private_key === undefined)
          throw new ProbeSetupError(`the service's tokens are ${alg}: give \`private_key\``);
        token = signJwt(
          header,
          { ...payload, iat: now - 7200, ...(payload.nbf !== undefined ? { nbf: now - 7200 } : {}), exp: now - 3600 },
          crypto.createPrivateKey(p.private_key),
        );
      }
      how = "a correctly signed token that expired an hour ago";
    } else {
      const exp = typeof payload.exp === "number" ? payload.exp : undefined;
      if (exp === undefined)
        return fail(
          `The service's token has no "exp" claim, so it never expires: a stolen token works forever. Give access tokens a short lifetime (exp).`,
          t.token.slice(0, 200),
        );
      const wait = exp * 1000 - Date.now() + 1_100;
      if (wait > MAX_WAIT_MS)
        throw new ProbeSetupError(
          `the token expires in ${Math.round(wait / 1000)} s: give \`secret\` (or \`private_key\`) so the probe can sign an expired one, or configure the service with a lifetime of at most ${MAX_WAIT_MS / 1000 - 2} s`,
        );
      await sleep(Math.max(0, wait), ctx.signal);
      token = t.token;
      how = `the real token, ${Math.round((Date.now() / 1000 - exp) * 10) / 10} s after its exp`;
    }
    const res = await t.send(token);
    if (accepted(t, res)) {
      return fail(
        `Expired JWT accepted: ${t.where} with ${how} answered ${res.status}. Check "exp" on every request (jwt.verify does unless told to ignore it).`,
        exchange(res),
      );
    }
    return pass(`${t.where} refused ${how} (${res.status}) and accepts a fresh one.`);
  },
});
