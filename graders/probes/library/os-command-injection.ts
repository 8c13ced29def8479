import { z } from "zod";
import { AuthSpec, maybeSession } from "../auth.ts";
import { exchange, expectOk, fail, pass, show } from "../report.ts";
import { describeTemplate, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { delayed, product, sendTemplate, timed } from "./common.ts";

const FIX =
  'Never hand input to a shell: call the program with execFile("ping", ["-c", "1", host]) (no shell), and validate the value (e.g. a host-name pattern) first.';

export const osCommandInjection = defineProbe({
  id: "os-command-injection",
  title: "OS command injection",
  owasp: OWASP_2025.A05,
  cwe: "CWE-78",
  params: z.strictObject({
    /** The request whose input reaches a command, e.g. `{ path: "/tools/ping?host={payload}" }`. */
    request: templateWith("payload"),
    auth: AuthSpec.optional(),
    /** A normal value the request accepts. */
    known: z.string().min(1).max(200).default("127.0.0.1"),
    techniques: z
      .array(z.enum(["output", "time"]))
      .min(1)
      .default(["output", "time"]),
    delay_seconds: z.number().int().min(1).max(3).default(2),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const send = (payload: string, timeoutMs?: number) =>
      sendTemplate(ctx, p.request, { payload }, session, timeoutMs ? { timeoutMs } : {});
    const k = p.known;
    const where = describeTemplate(p.request);
    const legit = expectOk(await send(k), `The normal request with ${show(k)}`);
    const tried: string[] = [];

    if (p.techniques.includes("output")) {
      tried.push("output-based");
      const m = product([legit.body]);
      const cmd = `echo $((${m.a}*${m.b}))`;
      const payloads = [
        `${k};${cmd}`,
        `${k}|${cmd}`,
        `${k}&&${cmd}`,
        `${k}$(${cmd})`,
        `${k}\`${cmd}\``,
        `${k}\n${cmd}`,
        `${k}';${cmd};'`,
        `${k}";${cmd};"`,
      ];
      for (const v of payloads) {
        const res = await send(v);
        if (res.body.includes(m.value)) {
          return fail(
            `Command injection: ${where} with ${show(v)} answered with ${m.value}, which only a shell computing $((${m.a}*${m.b})) could produce: the input runs as a command on the server. ${FIX}`,
            exchange(res),
          );
        }
      }
    }

    if (p.techniques.includes("time")) {
      tried.push("time-based");
      const d = p.delay_seconds;
      const base = Math.max(legit.ms, (await send(k)).ms);
      const payloads = (s: number) => [`${k};sleep ${s}`, `${k}|sleep ${s}`, `${k}$(sleep ${s})`, `${k}\nsleep ${s}`];
      const slow = payloads(d);
      const fast = payloads(0);
      for (let i = 0; i < slow.length; i++) {
        const t = await timed(() => send(slow[i]!, d * 1000 + 2500));
        if (!delayed(t.ms, base, d * 1000)) continue;
        const c = await timed(() => send(fast[i]!, d * 1000 + 2500));
        if (delayed(c.ms, base, d * 1000)) continue;
        const took = Number.isFinite(t.ms) ? `${Math.round(t.ms)} ms` : "until the timeout";
        return fail(
          `Blind command injection: ${where} with ${show(slow[i]!)} took ${took} (normally ${Math.round(base)} ms; ${Math.round(c.ms)} ms with "sleep 0"): the shell ran the injected sleep. ${FIX}`,
          t.res ? exchange(t.res) : undefined,
        );
      }
    }
    return pass(
      `Tried ${tried.join(" and ")} command injection (; | && $() backticks newline) on ${where}: nothing ran, and the normal value ${show(k)} still works.`,
    );
  },
});
