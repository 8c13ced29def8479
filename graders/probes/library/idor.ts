import { z } from "zod";
import { AuthSpec, openSessions } from "../auth.ts";
import { exchange, expectOk, fail, LegitFailure, line, pass, random } from "../report.ts";
import { describeTemplate, getPath, RequestTemplate, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { is2xx, sendTemplate } from "./common.ts";

const FIX =
  "Check ownership on every request for an object: look it up by id AND owner (WHERE id = ? AND owner_id = ?) and answer 404 (or 403) when the signed-in user may not see it.";

export const idor = defineProbe({
  id: "idor",
  title: "Insecure direct object reference",
  owasp: OWASP_2025.A01,
  cwe: "CWE-639",
  params: z.strictObject({
    /** Two accounts are used: A owns the object, B attacks it. */
    auth: AuthSpec,
    /** Creates A's object; {marker} is a unique text the probe looks for. */
    create: RequestTemplate.default({
      method: "POST",
      path: "/notes",
      body: { title: "private {marker}", body: "only for my eyes {marker}" },
      body_type: "json",
    }),
    /** Dotted path of the new object's id in the create answer's JSON. */
    id: z.string().min(1).max(200).default("id"),
    /** Reads one object by {id}. */
    read: templateWith("id").default({ method: "GET", path: "/notes/{id}", body_type: "json" }),
    /** Optional: changes one object by {id}; {marker} is a fresh text. */
    update: templateWith("id").optional(),
  }),
  async run(ctx, p) {
    const [a, b] = await openSessions(ctx, p.auth, 2);
    const marker = `probe${random(4)}`;
    const created = expectOk(
      await sendTemplate(ctx, p.create, { marker }, a),
      `Creating an object as ${a!.account.username}`,
    );
    const rawId = getPath(created.json(), p.id);
    if (typeof rawId !== "string" && typeof rawId !== "number")
      throw new LegitFailure(
        `Creating an object answered ${created.status} without an id at \`${p.id}\`.`,
        exchange(created),
      );
    const id = String(rawId);
    const own = expectOk(
      await sendTemplate(ctx, p.read, { id }, a),
      `The owner reading their own object (${describeTemplate(p.read)}, id ${id})`,
    );
    if (!own.body.includes(marker))
      throw new LegitFailure(
        `The owner's read ${line(own)} does not show what was stored: reading your own objects must keep working.`,
        exchange(own),
      );

    const stolen = await sendTemplate(ctx, p.read, { id }, b);
    if (is2xx(stolen) && stolen.body.includes(marker)) {
      return fail(
        `IDOR: user B read user A's object: ${line(stolen)} as B returned A's data. Anyone can walk the ids and read everything. ${FIX}`,
        exchange(stolen),
      );
    }
    if (p.update) {
      const marker2 = `probe${random(4)}`;
      const upd = await sendTemplate(ctx, p.update, { id, marker: marker2 }, b);
      const after = expectOk(
        await sendTemplate(ctx, p.read, { id }, a),
        "The owner reading their object after the attack",
      );
      if (after.body.includes(marker2)) {
        return fail(
          `IDOR: user B changed user A's object: ${line(upd)} as B, and A now sees B's text. ${FIX}`,
          exchange(upd),
        );
      }
    }
    return pass(
      `User B could not ${p.update ? "read or change" : "read"} user A's object ${id} (${line(stolen)}), and A still reads it.`,
    );
  },
});
