import crypto from "node:crypto";
import { z } from "zod";
import { encodeParts } from "../jwt.ts";
import { exchange, fail, pass } from "../report.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { accepted, JwtParams, jwtTarget } from "./jwt-common.ts";

export const jwtTampered = defineProbe({
  id: "jwt-tampered",
  title: "JWT signature not verified",
  owasp: OWASP_2025.A07,
  cwe: "CWE-347",
  params: z.strictObject({
    ...JwtParams,
    /** Claims written into the forged payload. */
    claims: z.record(z.string().min(1).max(100), z.json()).default({ role: "admin", admin: true }),
  }),
  async run(ctx, p) {
    const t = await jwtTarget(ctx, p);
    if ("status" in t) return t;
    const { header, payload, signature } = t.jwt;
    const changed = encodeParts(header, { ...payload, ...p.claims });
    const same = encodeParts(header, payload);
    const variants: Array<[string, string]> = [
      [
        `the payload changed (${Object.keys(p.claims).join(", ")}) and the old signature kept`,
        `${changed}.${signature}`,
      ],
      ["the signature removed", `${same}.`],
      [
        "a random signature",
        `${same}.${crypto.randomBytes(Math.max(16, Buffer.from(signature, "base64url").length)).toString("base64url")}`,
      ],
    ];
    for (const [what, token] of variants) {
      const res = await t.send(token);
      if (accepted(t, res)) {
        return fail(
          `JWT signature not checked: ${t.where} with a token that has ${what} answered ${res.status}. Decoding is not verifying: use jwt.verify (with the key and a fixed algorithm list), never jwt.decode, for authentication.`,
          `${token.slice(0, 120)}…\n${exchange(res)}`,
        );
      }
    }
    return pass(
      `${t.where} refused tokens with a changed payload, no signature and a random signature, and still accepts the real one.`,
    );
  },
});
