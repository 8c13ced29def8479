import { z } from "zod";
import { exchange, fail, line, pass } from "../report.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";

/** Origins a service must not trust; sent only as a header, never connected to. */
const HOSTILE = ["https://probe-evil.example", "null"];

export const corsAnyOrigin = defineProbe({
  id: "cors-any-origin",
  title: "CORS trusts any origin with credentials",
  owasp: OWASP_2025.A02,
  cwe: "CWE-942",
  params: z.strictObject({
    paths: z.array(z.string().startsWith("/").max(500)).min(1).max(10).default(["/"]),
    /** An origin the service is meant to trust: it must still be allowed. */
    allowed_origin: z.url().max(200).optional(),
  }),
  async run(ctx, p) {
    const notes: string[] = [];
    for (const path of p.paths) {
      for (const origin of [...HOSTILE, `${ctx.base.protocol}//${ctx.base.hostname}.probe-evil.example`]) {
        for (const preflight of [false, true]) {
          const res = await ctx.http.send({
            method: preflight ? "OPTIONS" : "GET",
            path,
            headers: preflight
              ? { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" }
              : { origin },
          });
          const acao = res.header("access-control-allow-origin");
          const creds = res.header("access-control-allow-credentials")?.toLowerCase() === "true";
          if (acao === origin && creds) {
            return fail(
              `CORS trusts any origin: ${preflight ? "a preflight" : "a request"} to ${path} with Origin: ${origin} got Access-Control-Allow-Origin: ${origin} and Allow-Credentials: true (${line(res)}). Any website can read your users' data with their cookies. Allow only a fixed list of origins; never echo the Origin header.`,
              exchange(res),
            );
          }
          if (
            acao === origin &&
            !notes.includes(
              "echoes the Origin without credentials (not readable with cookies, but better to use a list)",
            )
          )
            notes.push("echoes the Origin without credentials (not readable with cookies, but better to use a list)");
          if (acao === "*" && creds && !notes.includes("sends * with credentials, which browsers ignore"))
            notes.push("sends * with credentials, which browsers ignore");
        }
      }
    }
    if (p.allowed_origin) {
      const origin = new URL(p.allowed_origin).origin;
      const res = await ctx.http.send({ path: p.paths[0]!, headers: { origin } });
      if (res.header("access-control-allow-origin") !== origin) {
        return fail(
          `The trusted origin ${origin} is no longer allowed: ${line(res)} has Access-Control-Allow-Origin: ${res.header("access-control-allow-origin") ?? "(none)"}. The fix must keep the real front end working.`,
          exchange(res),
        );
      }
    }
    return pass(
      `${p.paths.join(", ")}: no hostile Origin (another site, "null") is allowed with credentials${notes.length ? `; note: ${notes.join("; ")}` : ""}${p.allowed_origin ? `, and ${p.allowed_origin} still is` : ""}.`,
    );
  },
});
