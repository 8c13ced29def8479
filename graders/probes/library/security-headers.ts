import { z } from "zod";
import { cspPolicies } from "../analyze.ts";
import type { HttpResponse } from "../http.ts";
import { fail, line, pass } from "../report.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";

/** What is missing from one response, and notes that do not fail it. */
function audit(res: HttpResponse, https: boolean): { missing: string[]; notes: string[] } {
  const missing: string[] = [];
  const notes: string[] = [];
  const policies = cspPolicies(res);
  if (policies.length === 0)
    missing.push(
      res.header("content-security-policy-report-only")
        ? "Content-Security-Policy (only Report-Only is set, which enforces nothing)"
        : "Content-Security-Policy",
    );
  if (res.header("x-content-type-options")?.trim().toLowerCase() !== "nosniff")
    missing.push("X-Content-Type-Options: nosniff");
  const xfo = res.header("x-frame-options")?.trim().toUpperCase();
  const frameAncestors = policies.some((p) => p.has("frame-ancestors"));
  if (!frameAncestors && xfo !== "DENY" && xfo !== "SAMEORIGIN")
    missing.push("frame-ancestors in the CSP (or X-Frame-Options: DENY)");
  const rp = res.header("referrer-policy")?.toLowerCase();
  const weak = ["unsafe-url", "no-referrer-when-downgrade"];
  if (!rp) missing.push("Referrer-Policy");
  else if (
    rp
      .split(",")
      .map((s) => s.trim())
      .every((v) => weak.includes(v))
  )
    missing.push(`a Referrer-Policy that does not leak full URLs (got ${rp})`);
  if (https && !res.header("strict-transport-security")) notes.push("no Strict-Transport-Security over HTTPS");
  if (res.header("x-powered-by")) notes.push(`X-Powered-By: ${res.header("x-powered-by")} advertises the framework`);
  return { missing, notes };
}

export const securityHeaders = defineProbe({
  id: "security-headers",
  title: "Missing security headers",
  owasp: OWASP_2025.A02,
  cwe: "CWE-693",
  params: z.strictObject({
    paths: z.array(z.string().startsWith("/").max(500)).min(1).max(10).default(["/"]),
  }),
  async run(ctx, p) {
    const https = ctx.base.protocol === "https:";
    const notes = new Set<string>();
    for (const path of p.paths) {
      const res = await ctx.http.send({ path });
      const a = audit(res, https);
      a.notes.forEach((n) => notes.add(n));
      if (a.missing.length) {
        const headers = ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"]
          .map((h) => `${h}: ${res.header(h) ?? "(none)"}`)
          .join("\n");
        return fail(
          `Missing security headers on ${line(res)}: ${a.missing.join("; ")}. They stop whole classes of attack in the browser (XSS, MIME sniffing, clickjacking, URL leaks).${notes.size ? ` Also: ${[...notes].join("; ")}.` : ""}`,
          headers,
          "In Express, app.use(helmet()) sets them all.",
        );
      }
    }
    return pass(
      `${p.paths.join(", ")}: CSP, nosniff, frame-ancestors/X-Frame-Options and Referrer-Policy are set${https ? "" : " (HSTS not checked over plain HTTP)"}.${notes.size ? ` Note: ${[...notes].join("; ")}.` : ""}`,
    );
  },
});
