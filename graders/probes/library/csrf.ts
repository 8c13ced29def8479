import { z } from "zod";
import { AuthSpec, openSessions, type Session } from "../auth.ts";
import type { HttpRequest, HttpResponse } from "../http.ts";
import { exchange, expectOk, fail, LegitFailure, line, pass, random, show } from "../report.ts";
import { describeTemplate, RequestTemplate, toRequest, type Vars } from "../template.ts";
import { defineProbe, OWASP_2025, ProbeSetupError, type ProbeContext } from "../types.ts";
import { sendTemplate } from "./common.ts";

/** Another site, named only in headers; the probe never connects to it. */
const EVIL = "https://probe-evil.example";

const FIX =
  "Refuse state-changing requests that could come from another site: accept only application/json (a cross-site form cannot send it without a CORS preflight, which you refuse), check Origin (or Referer) against your own origin, and require a per-session token in a header (the synchronizer-token pattern). SameSite cookies help but are not enough on their own.";

type Forgery = {
  label: string;
  /** Why a browser could send it (in the failure message). */
  how: string;
  build: (vars: Vars) => HttpRequest;
};

/** What a page on another site can make the victim's browser send, with the victim's cookies. */
function forgeries(t: RequestTemplate, session: Session, preflightAllowsEvil: boolean): Forgery[] {
  const withCookies = (r: HttpRequest, origin: string | undefined): HttpRequest => ({
    ...r,
    headers: { ...r.headers, ...(origin ? { origin, referer: `${origin}/` } : {}) },
    jar: session.jar,
  });
  const out: Forgery[] = [];
  // HTML forms can only GET and POST; their bodies are urlencoded, multipart or text/plain.
  if (t.method === "POST") {
    out.push({
      label: "an HTML form post (urlencoded)",
      how: "any page can auto-submit a hidden form",
      build: (v) => withCookies(toRequest({ ...t, body_type: "form" }, v), EVIL),
    });
    out.push({
      label: "a text/plain form post carrying the JSON",
      how: 'a form with enctype="text/plain" sends a JSON-looking body without a preflight',
      build: (v) => {
        const json = toRequest(t, v);
        return withCookies({ ...json, headers: { ...json.headers, "content-type": "text/plain" } }, EVIL);
      },
    });
  }
  // A cross-origin fetch with a JSON body is only sent after a preflight the service allowed.
  if (preflightAllowsEvil)
    out.push({
      label: "a cross-origin JSON request",
      how: `the service's CORS preflight allows ${EVIL} with credentials`,
      build: (v) => withCookies(toRequest(t, v), EVIL),
    });
  // A token the service hands out must be checked: missing or forged, the request is refused.
  const header =
    session.csrfToken === undefined
      ? undefined
      : Object.entries(session.apply(toRequest(t, {})).headers ?? {}).find(([, v]) => v === session.csrfToken)?.[0];
  if (header) {
    out.push({
      label: "the request without its CSRF token",
      how: "the token the service hands out is not checked",
      build: (v) => withCookies(toRequest(t, v), undefined),
    });
    out.push({
      label: "the request with a forged CSRF token",
      how: "any token is accepted",
      build: (v) => {
        const r = toRequest(t, v);
        return withCookies({ ...r, headers: { ...r.headers, [header]: `forged${random(8)}` } }, undefined);
      },
    });
  }
  return out;
}

async function preflight(ctx: ProbeContext, t: RequestTemplate): Promise<boolean> {
  const res = await ctx.http.send({
    method: "OPTIONS",
    path: toRequest(t, {}).path,
    headers: {
      origin: EVIL,
      "access-control-request-method": t.method,
      "access-control-request-headers": "content-type",
    },
  });
  return (
    res.header("access-control-allow-origin") === EVIL &&
    res.header("access-control-allow-credentials")?.toLowerCase() === "true"
  );
}

export const csrf = defineProbe({
  id: "csrf",
  title: "Cross-site request forgery",
  owasp: OWASP_2025.A01,
  cwe: "CWE-352",
  params: z.strictObject({
    /** A cookie session (no `token`): browsers attach cookies to cross-site requests, never a bearer header. */
    auth: AuthSpec,
    /** The state-changing request, with a JSON object body holding {marker}, e.g. `{ method: POST, path: /profile, body: { bio: "{marker}" } }`. */
    request: RequestTemplate.refine((t) => !["GET", "HEAD", "OPTIONS"].includes(t.method), {
      message: "a state-changing method (POST, PUT, PATCH, DELETE)",
    }).refine(
      (t) =>
        t.body_type === "json" &&
        t.body !== null &&
        typeof t.body === "object" &&
        !Array.isArray(t.body) &&
        JSON.stringify(t.body).includes("{marker}"),
      { message: "needs a JSON object `body` with {marker} in it" },
    ),
    /** Reads the state back as the victim (e.g. `{ path: /profile }`): a forged change shows its marker here. */
    verify: RequestTemplate,
  }),
  async run(ctx, p) {
    if (p.auth.token)
      throw new ProbeSetupError(
        "CSRF rides on cookies a browser attaches by itself; with a bearer token (`auth.token`) no other site can make the browser send it. Use a cookie session here.",
      );
    const [victim] = await openSessions(ctx, p.auth, 1);
    const where = describeTemplate(p.request);
    const read = () => sendTemplate(ctx, p.verify, {}, victim);
    const tried: string[] = [];
    for (const f of forgeries(p.request, victim!, await preflight(ctx, p.request))) {
      const marker = `probe${random(4)}`;
      const res: HttpResponse = await ctx.http.send(f.build({ marker }));
      const after = expectOk(
        await read(),
        `Reading the state back as the signed-in user (${describeTemplate(p.verify)})`,
      );
      if (after.body.includes(marker)) {
        return fail(
          `CSRF: ${f.label} to ${where} with the user's cookies (${line(res)}) changed their data: ${f.how}, so any site they visit can act as them. ${FIX}`,
          exchange(res),
        );
      }
      tried.push(`${f.label} (${res.status})`);
    }
    // The feature must keep working for the real front end.
    const marker = `probe${random(4)}`;
    const legit = await sendTemplate(ctx, p.request, { marker }, victim);
    if (legit.status < 200 || legit.status > 299)
      throw new LegitFailure(
        `The normal request ${where} as the signed-in user answered ${line(legit)}: the feature must keep working.`,
        exchange(legit),
      );
    const after = expectOk(await read(), "Reading the state back after the normal request");
    if (!after.body.includes(marker))
      throw new LegitFailure(
        `The normal request ${where} answered ${legit.status}, but ${line(after)} does not show ${show(marker)}: the legitimate change must keep working.`,
        exchange(after),
      );
    if (tried.length === 0)
      return pass(
        `${where} is not a POST (no form can send it), the CORS preflight refuses other sites, and no CSRF token is handed out: a browser on another site cannot send it with the user's cookies.`,
      );
    return pass(
      `Refused every forgery with the user's cookies — ${tried.join("; ")} — and the normal request still works.`,
    );
  },
});
