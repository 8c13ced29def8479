import { z } from "zod";
import { AuthSpec, openSessions, type Session } from "../auth.ts";
import { ProbeSetupError } from "../types.ts";
import { exchange, expectOk, fail, LegitFailure, line, pass } from "../report.ts";
import { describeTemplate, RequestTemplate, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { is2xx, sendTemplate } from "./common.ts";

const FIX =
  "Check ownership on every request for an object: look it up by id AND owner (WHERE id = ? AND owner_id = ?) and answer 404 (or 403) when the signed-in user may not see it.";

/** Every id-like value in a JSON answer (keys such as id, _id, orderId, basket_id), at any depth. */
export function idsIn(v: unknown, key: RegExp, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 8 || out.size > 200) return out;
  if (Array.isArray(v)) for (const x of v) idsIn(x, key, out, depth + 1);
  else if (v && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      if (key.test(k) && (typeof x === "number" || (typeof x === "string" && x.length > 0 && x.length <= 100)))
        out.add(String(x));
      else idsIn(x, key, out, depth + 1);
    }
  return out;
}

export const idorExisting = defineProbe({
  id: "idor-existing",
  title: "Insecure direct object reference (existing objects)",
  owasp: OWASP_2025.A01,
  cwe: "CWE-639",
  params: z.strictObject({
    /** User A owns what its listings show; user B (a second account, if there is one) and an anonymous caller try to read it. */
    auth: AuthSpec,
    /** Requests whose JSON answers, as A, name A's objects (e.g. GET /api/orders). */
    list: z.array(RequestTemplate).min(1).max(5),
    /** Reads one object by {id}, e.g. GET /api/orders/{id}. */
    read: templateWith("id"),
    /** Which JSON keys hold ids (a regular expression). */
    id_keys: z.string().min(1).max(200).default("^(id|_id|[A-Za-z]+Id|[a-z]+_id)$"),
    /** How many of A's ids to try. */
    max_ids: z.number().int().min(1).max(20).default(5),
  }),
  async run(ctx, p) {
    const [a] = await openSessions(ctx, p.auth, 1);
    let b: Session | undefined;
    try {
      b = (await openSessions(ctx, p.auth, 2))[1];
    } catch (e) {
      if (!(e instanceof ProbeSetupError)) throw e;
    }
    const key = new RegExp(p.id_keys);
    const mine = new Set<string>();
    for (const t of p.list)
      for (const id of idsIn(
        expectOk(await sendTemplate(ctx, t, {}, a), `Listing as ${a!.account.username}`).json(),
        key,
      ))
        mine.add(id);
    // Ids B sees in its own listings are B's (or shared): not A's to protect.
    if (b)
      for (const t of p.list) {
        const res = await sendTemplate(ctx, t, {}, b);
        if (is2xx(res)) for (const id of idsIn(res.json(), key)) mine.delete(id);
      }
    const tried: string[] = [];
    for (const id of [...mine]) {
      if (tried.length >= p.max_ids) break;
      const own = await sendTemplate(ctx, p.read, { id }, a);
      if (!is2xx(own) || own.body.length < 2) continue;
      tried.push(id);
      const callers: Array<[string, Session | undefined]> = [["an anonymous caller", undefined]];
      if (b) callers.unshift([`user B (${b.account.username})`, b]);
      for (const [who, s] of callers) {
        const stolen = await sendTemplate(ctx, p.read, { id }, s);
        if (is2xx(stolen) && stolen.body === own.body)
          return fail(
            `IDOR: ${who} read user A's object ${id}: ${line(stolen)} returned exactly what A sees. The id came from A's own listing; anyone can walk the ids and read everything. ${FIX}`,
            exchange(stolen),
          );
      }
    }
    if (!tried.length)
      throw new LegitFailure(
        `None of the ids in A's listings (${p.list.map(describeTemplate).join(", ")}: ${[...mine].slice(0, 5).join(", ") || "none"}) could be read by A through ${describeTemplate(p.read)}, so there was nothing to steal.`,
      );
    return pass(
      `${b ? "User B and an anonymous caller" : "An anonymous caller"} could not read A's objects ${tried.join(", ")} through ${describeTemplate(p.read)}.`,
    );
  },
});
