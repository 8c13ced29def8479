import { z } from "zod";
import { hmacMatches, signJwt, WEAK_SECRETS } from "../jwt.ts";
import { exchange, fail, pass, random } from "../report.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { accepted, JwtParams, jwtTarget } from "./jwt-common.ts";

const FIX =
  "Sign with a random secret of at least 32 bytes (crypto.randomBytes(32)) read from the environment, never a word from a tutorial or a default.";

export const jwtWeakSecret = defineProbe({
  id: "jwt-weak-secret",
  title: "JWT signed with a well-known secret",
  owasp: OWASP_2025.A04,
  cwe: "CWE-1391",
  params: z.strictObject({
    ...JwtParams,
    /** More secrets to try besides the built-in list. */
    extra_secrets: z.array(z.string().max(200)).max(50).default([]),
  }),
  async run(ctx, p) {
    const t = await jwtTarget(ctx, p);
    if ("status" in t) return t;
    const secrets = [...new Set([...WEAK_SECRETS, ...p.extra_secrets])];
    const alg = String(t.jwt.header.alg ?? "");
    const forged = (secret: string) =>
      signJwt(
        { ...t.jwt.header, alg: alg.startsWith("HS") ? alg : "HS256" },
        { ...t.jwt.payload, jti: `probe-${random(4)}` },
        secret,
      );
    if (alg.startsWith("HS")) {
      // Offline first: the real token's signature tells the secret without a single request.
      const found = secrets.find((s) => hmacMatches(t.jwt, s));
      if (found !== undefined) {
        const res = await t.send(forged(found));
        return fail(
          `Weak JWT secret: the service's ${alg} tokens are signed with ${JSON.stringify(found)}, found offline from one token in a list of ${secrets.length} well-known secrets. A token the probe minted with it got ${res.status}. ${FIX}`,
          exchange(res),
        );
      }
      return pass(
        `The service's ${alg} token does not verify with any of ${secrets.length} well-known secrets ("secret", "changeme", "your-256-bit-secret", …).`,
      );
    }
    for (const s of secrets) {
      const res = await t.send(forged(s));
      if (accepted(t, res))
        return fail(
          `Weak JWT secret: the service uses ${alg} but also accepted an HS256 token signed with ${JSON.stringify(s)} (${res.status}). ${FIX} And accept only the algorithm you issue.`,
          exchange(res),
        );
    }
    return pass(`${t.where} refused HS256 tokens signed with each of ${secrets.length} well-known secrets.`);
  },
});
