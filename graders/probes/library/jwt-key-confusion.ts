import crypto from "node:crypto";
import { z } from "zod";
import { signJwt } from "../jwt.ts";
import { exchange, expectOk, fail, LegitFailure, pass, random } from "../report.ts";
import { defineProbe, OWASP_2025, ProbeSetupError } from "../types.ts";
import { accepted, JwtParams, jwtTarget } from "./jwt-common.ts";

/** The spellings of a public key a confused verifier might feed to HMAC. */
function secretCandidates(body: string, kid: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let key: crypto.KeyObject | undefined;
  const pem = /-----BEGIN [A-Z ]*PUBLIC KEY-----[\s\S]+?-----END [A-Z ]*PUBLIC KEY-----\s*/.exec(body)?.[0];
  if (pem) {
    out.push(["the PEM as served", pem], ["the PEM without its last newline", pem.trimEnd()]);
    key = crypto.createPublicKey(pem);
  } else {
    let jwks: unknown;
    try {
      jwks = JSON.parse(body);
    } catch {
      throw new LegitFailure("The public-key route answered neither a PEM nor JSON (a JWKS).");
    }
    const keys = (jwks as { keys?: unknown })?.keys;
    const list = Array.isArray(keys) ? (keys as Record<string, unknown>[]) : [jwks as Record<string, unknown>];
    const jwk = list.find((k) => kid !== undefined && k.kid === kid) ?? list[0];
    if (!jwk || typeof jwk !== "object" || typeof jwk.kty !== "string")
      throw new LegitFailure("The public-key route's JSON holds no JWK.");
    key = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: "jwk" });
  }
  const spki = key.export({ type: "spki", format: "pem" }).toString();
  out.push(["the key as SPKI PEM", spki], ["the key as SPKI PEM without its last newline", spki.trimEnd()]);
  if (key.asymmetricKeyType === "rsa") {
    const pkcs1 = key.export({ type: "pkcs1", format: "pem" }).toString();
    out.push(["the key as PKCS#1 PEM", pkcs1], ["the key as PKCS#1 PEM without its last newline", pkcs1.trimEnd()]);
  }
  const seen = new Set<string>();
  return out.filter(([, s]) => !seen.has(s) && seen.add(s));
}

export const jwtKeyConfusion = defineProbe({
  id: "jwt-key-confusion",
  title: "JWT algorithm confusion (public key as HMAC secret)",
  owasp: OWASP_2025.A07,
  cwe: "CWE-327",
  params: z.strictObject({
    ...JwtParams,
    /** Where the service publishes its public key: a JWKS (JSON) or a PEM. */
    public_key_path: z.string().startsWith("/").max(500).default("/.well-known/jwks.json"),
  }),
  async run(ctx, p) {
    const t = await jwtTarget(ctx, p);
    if ("status" in t) return t;
    const alg = String(t.jwt.header.alg ?? "");
    if (!/^(RS|PS|ES)\d+$/.test(alg))
      throw new ProbeSetupError(
        `key confusion needs tokens signed with a public-key algorithm (RS256, ES256, …); the service's are ${alg || "without alg"}`,
      );
    const keyRes = expectOk(
      await ctx.http.send({ path: p.public_key_path }),
      `Fetching the public key from ${p.public_key_path}`,
    );
    const candidates = secretCandidates(keyRes.body, t.jwt.header.kid);
    for (const [what, secret] of candidates) {
      const token = signJwt({ ...t.jwt.header, alg: "HS256" }, { ...t.jwt.payload, jti: `probe-${random(4)}` }, secret);
      const res = await t.send(token);
      if (accepted(t, res)) {
        return fail(
          `Algorithm confusion: the service issues ${alg} tokens but accepted an HS256 token whose HMAC secret is its public key (${what}) — and the public key is public. ${t.where} answered ${res.status}. Verify with the algorithm fixed (algorithms: ["${alg}"]), never the one named in the token.`,
          exchange(res),
        );
      }
    }
    return pass(
      `${t.where} refused HS256 tokens signed with the public key from ${p.public_key_path} (${candidates.length} spellings) and still accepts the real ${alg} token.`,
    );
  },
});
