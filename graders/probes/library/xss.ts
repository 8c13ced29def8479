import { z } from "zod";
import { xssVerdict } from "../analyze.ts";
import { AuthSpec, maybeSession, type Session } from "../auth.ts";
import type { HttpResponse } from "../http.ts";
import { exchange, expectOk, fail, LegitFailure, letters, line, pass, show } from "../report.ts";
import { describeTemplate, getPath, hasPlaceholder, RequestTemplate, templateWith, type Vars } from "../template.ts";
import { defineProbe, OWASP_2025, ProbeSetupError, type ProbeContext } from "../types.ts";
import { sendTemplate } from "./common.ts";

const FIX =
  "HTML-escape every value you put into a page (& < > \" ' → entities, or a template engine that escapes by default), and add a Content-Security-Policy without 'unsafe-inline' as a second line of defence.";

/** Tag-injection payloads, each carrying a marker so a reflection is unambiguous. */
function payloads(m: string): string[] {
  return [
    `<script>alert('${m}')</script>`,
    `"><img src=x onerror=alert('${m}')>`,
    `'><svg onload=alert('${m}')>`,
    `<details open ontoggle=alert('${m}')>`,
  ];
}

const DEFINITION =
  "Safe means: the markup does not come back verbatim, or comes back in a response browsers do not render as HTML (e.g. application/json, text/plain), or under an enforced CSP whose script-src/default-src blocks inline script.";

export const xssReflected = defineProbe({
  id: "xss-reflected",
  title: "Reflected cross-site scripting",
  owasp: OWASP_2025.A05,
  cwe: "CWE-79",
  params: z.strictObject({
    /** The request whose input is echoed, e.g. `{ path: "/greet?name={payload}" }`. */
    request: templateWith("payload"),
    auth: AuthSpec.optional(),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const send = (payload: string) => sendTemplate(ctx, p.request, { payload }, session);
    const where = describeTemplate(p.request);
    const benign = `probe${letters(8)}`;
    const legit = expectOk(await send(benign), `The normal request with ${show(benign)}`);
    if (!legit.body.includes(benign))
      throw new LegitFailure(
        `The normal request ${line(legit)} does not show the value ${show(benign)} it was given, so the page no longer works as it should.`,
        exchange(legit),
      );
    const m = letters(8);
    const notes: string[] = [];
    for (const v of payloads(m)) {
      const res = await send(v);
      const verdict = xssVerdict(res, v);
      if (verdict.executable)
        return fail(
          `Reflected XSS: ${where} with ${show(v)} sent the markup back: ${verdict.why}, so a link can run script in your users' browsers. ${FIX}`,
          exchange(res),
        );
      if (!notes.includes(verdict.why)) notes.push(verdict.why);
    }
    return pass(`Sent ${payloads(m).length} script-injection payloads to ${where}: ${notes.join("; ")}. ${DEFINITION}`);
  },
});

async function readBack(
  ctx: ProbeContext,
  read: RequestTemplate,
  write: HttpResponse,
  idPath: string | undefined,
  session: Session | undefined,
): Promise<HttpResponse> {
  const vars: Vars = {};
  if (hasPlaceholder(read, "id")) {
    if (!idPath)
      throw new ProbeSetupError(
        "`read` uses {id}: give `id`, the path of the new item's id in the write response's JSON",
      );
    const id = getPath(write.json(), idPath);
    if (typeof id !== "string" && typeof id !== "number")
      throw new LegitFailure(
        `The write ${line(write)} answered without an id at \`${idPath}\`, so the item cannot be read back.`,
        exchange(write),
      );
    vars.id = String(id);
  }
  return sendTemplate(ctx, read, vars, session);
}

export const xssStored = defineProbe({
  id: "xss-stored",
  title: "Stored cross-site scripting",
  owasp: OWASP_2025.A05,
  cwe: "CWE-79",
  params: z.strictObject({
    /**
     * Stores the input, e.g. `{ method: POST, path: /comments, body: { text: "{payload}" } }`;
     * `{marker}` is fresh for every write, for stores that need a unique name per item.
     */
    write: templateWith("payload"),
    /** Shows it to other users, e.g. `{ path: /comments }` or `{ path: "/posts/{id}" }`. */
    read: RequestTemplate,
    /** Dotted path of the new item's id in the write's JSON answer, when `read` uses {id}. */
    id: z.string().min(1).max(200).optional(),
    auth: AuthSpec.optional(),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const where = `${describeTemplate(p.write)} then ${describeTemplate(p.read)}`;
    const benign = `probe${letters(8)}`;
    // A form post usually answers with a redirect to the page that shows it (303/302).
    const stored = (w: HttpResponse) => w.status >= 200 && w.status <= 399;
    const w0 = await sendTemplate(ctx, p.write, { payload: benign, marker: `probe${letters(10)}` }, session);
    if (!stored(w0))
      throw new LegitFailure(
        `Storing the normal value ${show(benign)} did not work: ${line(w0)}. The probe needs the normal write to succeed before it can attack${w0.status === 403 ? " (a 403 on a form is often a CSRF token the write lacks: put {csrf} in its body and give auth.csrf.page)" : ""}.`,
        exchange(w0),
      );
    const r0 = expectOk(await readBack(ctx, p.read, w0, p.id, session), "Reading the stored value back");
    if (!r0.body.includes(benign))
      throw new LegitFailure(
        `Stored ${show(benign)}, but ${line(r0)} does not show it: the feature must keep displaying what users write.`,
        exchange(r0),
      );
    const m = letters(8);
    const notes: string[] = [];
    for (const v of payloads(m)) {
      const w = await sendTemplate(ctx, p.write, { payload: v, marker: `probe${letters(10)}` }, session);
      if (!stored(w)) {
        const note = `the write refused the markup (${w.status})`;
        if (!notes.includes(note)) notes.push(note);
        continue;
      }
      const r = await readBack(ctx, p.read, w, p.id, session);
      const verdict = xssVerdict(r, v);
      if (verdict.executable)
        return fail(
          `Stored XSS: stored ${show(v)} through ${describeTemplate(p.write)}, and ${line(r)} served it back: ${verdict.why}, so it runs in every visitor's browser. ${FIX}`,
          exchange(r),
        );
      if (!notes.includes(verdict.why)) notes.push(verdict.why);
    }
    return pass(
      `Stored ${payloads(m).length} script-injection payloads (${where}): ${notes.join("; ")}. ${DEFINITION}`,
    );
  },
});
