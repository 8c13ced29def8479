import { z } from "zod";
import { findField } from "../analyze.ts";
import { AuthSpec, maybeSession } from "../auth.ts";
import type { HttpResponse } from "../http.ts";
import { exchange, expectOk, fail, LegitFailure, line, pass, random } from "../report.ts";
import { describeTemplate, RequestTemplate } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { is2xx, sendTemplate } from "./common.ts";

const FIX =
  "Copy only the fields a client may set (pick them explicitly or validate with a schema that strips or rejects the rest); never spread req.body into a model.";

export const massAssignment = defineProbe({
  id: "mass-assignment",
  title: "Mass assignment",
  owasp: OWASP_2025.A01,
  cwe: "CWE-915",
  params: z.strictObject({
    auth: AuthSpec.optional(),
    /** The normal write, with a JSON object body; {marker} is a unique text, e.g. `{ method: PATCH, path: /me, body: { bio: "{marker}" } }`. */
    request: RequestTemplate.refine(
      (t) => t.body_type !== "raw" && t.body !== null && typeof t.body === "object" && !Array.isArray(t.body),
      { message: "needs a JSON or form object `body`" },
    ),
    /** Reads the object back (e.g. `{ path: /me }`); without it only the write's answer is checked. */
    verify: RequestTemplate.optional(),
    /** The extra fields sent along, and the values that must not stick. */
    inject: z
      .record(z.string().min(1).max(100), z.json())
      .default({ role: "admin", isAdmin: true, is_admin: true, admin: true }),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const read = async (): Promise<HttpResponse | undefined> =>
      p.verify ? sendTemplate(ctx, p.verify, {}, session) : undefined;
    const before = await read();
    const preset = new Set(
      Object.entries(p.inject)
        .filter(([k, v]) => before && findField(before.json(), k, v))
        .map(([k]) => k),
    );
    const fields = Object.entries(p.inject).filter(([k]) => !preset.has(k));
    const marker = `probe${random(4)}`;
    const where = describeTemplate(p.request);

    const attack = await sendTemplate(ctx, p.request, { marker }, session, { extraBody: Object.fromEntries(fields) });
    const after = await read();
    for (const res of [attack, after]) {
      if (!res || !is2xx(res)) continue;
      const stuck = fields
        .filter(([k, v]) => findField(res.json(), k, v))
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
      if (stuck.length) {
        return fail(
          `Mass assignment: ${where} with extra fields ${fields.map(([k]) => k).join(", ")} was applied — ${line(res)} shows ${stuck.join(", ")}. A user can make themselves admin or take over objects. ${FIX}`,
          exchange(res),
        );
      }
    }
    // The feature must still work: the attack's answer, or (when extra fields are refused) a clean request.
    let legit = attack;
    let how = "ignored the extra fields";
    if (!is2xx(attack)) {
      how = `refused the request with extra fields (${attack.status})`;
      legit = expectOk(
        await sendTemplate(ctx, p.request, { marker }, session),
        `The normal write ${where} (without extra fields)`,
      );
    }
    const check = (await read()) ?? legit;
    if (!check.body.includes(marker))
      throw new LegitFailure(
        `The normal write ${where} answered ${legit.status}, but ${line(check)} does not show the new value: the legitimate update must keep working.`,
        exchange(check),
      );
    return pass(
      `${where} ${how}: ${fields.map(([k]) => k).join(", ") || "(nothing to inject)"} did not stick${preset.size ? ` (${[...preset].join(", ")} already had that value)` : ""}, and the normal field was updated.`,
    );
  },
});
