import { z } from "zod";
import { encodeParts } from "../jwt.ts";
import { exchange, fail, pass } from "../report.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { accepted, JwtParams, jwtTarget } from "./jwt-common.ts";

export const jwtAlgNone = defineProbe({
  id: "jwt-alg-none",
  title: 'JWT accepted with alg "none"',
  owasp: OWASP_2025.A07,
  cwe: "CWE-347",
  params: z.strictObject({ ...JwtParams }),
  async run(ctx, p) {
    const t = await jwtTarget(ctx, p);
    if ("status" in t) return t;
    const variants: Array<[string, string]> = [];
    for (const alg of ["none", "None", "NONE", "nOnE"])
      variants.push([`alg "${alg}", no signature`, `${encodeParts({ ...t.jwt.header, alg }, t.jwt.payload)}.`]);
    variants.push([
      `alg "none" with the old signature`,
      `${encodeParts({ ...t.jwt.header, alg: "none" }, t.jwt.payload)}.${t.jwt.signature}`,
    ]);
    for (const [what, token] of variants) {
      const res = await t.send(token);
      if (accepted(t, res)) {
        return fail(
          `JWT "alg: none" accepted: ${t.where} with the user's claims, ${what}, answered ${res.status}. Anyone can mint a token for any user. Verify with a fixed algorithm list (e.g. algorithms: ["HS256"]) and reject "none".`,
          `${token.slice(0, 120)}…\n${exchange(res)}`,
        );
      }
    }
    return pass(
      `${t.where} refused ${variants.length} unsigned tokens (alg "none" in several spellings) and still accepts the real one.`,
    );
  },
});
