import { z } from "zod";
import { AuthSpec, maybeSession } from "../auth.ts";
import type { HttpResponse } from "../http.ts";
import { exchange, fail, LegitFailure, line, pass, show } from "../report.ts";
import { describeTemplate, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { sendTemplate } from "./common.ts";

/** A host that does not exist (.example is reserved); the probe never connects to it, it only reads Location. */
const EVIL = "probe-evil.example";

/**
 * Where a browser would go without the user choosing to: the Location (or Refresh header, or
 * an immediate `<meta http-equiv="refresh">`) target resolved against the request URL. A page
 * with a link the user must click (a confirmation page) goes nowhere by itself.
 */
function destination(res: HttpResponse, base: URL): URL | undefined {
  const meta = /<meta[^>]+http-equiv=["']?refresh["']?[^>]*content=["']?\s*0\s*;\s*url=([^"'>]+)/i.exec(res.body)?.[1];
  const loc =
    (res.status >= 300 && res.status <= 399 ? res.header("location") : undefined) ??
    /^\s*\d+\s*;\s*url=(.+)$/i.exec(res.header("refresh") ?? "")?.[1] ??
    (res.status >= 200 && res.status <= 299 ? meta : undefined);
  if (!loc) return undefined;
  try {
    return new URL(loc.trim(), new URL(res.target, base));
  } catch {
    return undefined;
  }
}

export const openRedirect = defineProbe({
  id: "open-redirect",
  title: "Open redirect",
  owasp: OWASP_2025.A01,
  cwe: "CWE-601",
  params: z.strictObject({
    /** The request that redirects to {payload}, e.g. `{ path: "/login?next={payload}" }`. */
    request: templateWith("payload"),
    auth: AuthSpec.optional(),
    /** A same-site target that must still work. */
    legit: z.string().startsWith("/").max(200).default("/"),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const where = describeTemplate(p.request);
    const base = ctx.base;
    const ok = await sendTemplate(ctx, p.request, { payload: p.legit }, session);
    const okDest = destination(ok, base);
    // The normal target works when it redirects on this site or shows a page (a confirmation
    // page asks before leaving). A route that cannot redirect even there (one that prefixes a
    // scheme to what it is given) is still attacked; only a clean result needs it to work.
    const legitWorks = okDest
      ? okDest.host === base.host && okDest.pathname === new URL(p.legit, base).pathname
      : ok.status >= 200 && ok.status <= 299;
    const payloads = [
      `https://${EVIL}/`,
      `//${EVIL}/`,
      `/\\${EVIL}/`,
      `\\/${EVIL}/`,
      `https:${EVIL}`,
      `/\t/${EVIL}/`,
      `${base.origin}@${EVIL}/`,
      `https://${base.host}.${EVIL}/`,
    ];
    for (const v of payloads) {
      const res = await sendTemplate(ctx, p.request, { payload: v }, session);
      const dest = destination(res, base);
      if (dest && dest.host !== base.host) {
        return fail(
          `Open redirect: ${where} with ${show(v)} sends the browser to ${dest.origin} (${line(res)}). Phishing links on your domain can land users anywhere. Accept only relative paths that start with a single "/" (not "//" or "/\\"), or a list of known destinations.`,
          exchange(res),
        );
      }
    }
    if (!legitWorks)
      throw new LegitFailure(
        `The normal redirect to ${show(p.legit)} did not happen: ${line(ok)}${okDest ? ` to ${okDest.href}` : ""}, and no off-site target got through either. Same-site redirects must keep working before a clean result means anything.`,
        exchange(ok),
      );
    return pass(
      `${where} kept ${payloads.length} off-site targets (absolute, //, /\\, https:host, userinfo tricks) on this site, and still ${okDest ? "redirects" : "answers"} for ${show(p.legit)}.`,
    );
  },
});
