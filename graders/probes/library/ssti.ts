import { z } from "zod";
import { AuthSpec, maybeSession } from "../auth.ts";
import { exchange, expectOk, fail, pass, random, show } from "../report.ts";
import { describeTemplate, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { product, sendTemplate } from "./common.ts";

export const ssti = defineProbe({
  id: "ssti",
  title: "Server-side template injection",
  owasp: OWASP_2025.A05,
  cwe: "CWE-1336",
  params: z.strictObject({
    /** The request whose input ends up in a rendered page, e.g. `{ path: "/hello?name={payload}" }`. */
    request: templateWith("payload"),
    auth: AuthSpec.optional(),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const send = (payload: string) => sendTemplate(ctx, p.request, { payload }, session);
    const where = describeTemplate(p.request);
    const benign = `probe${random(3)}`;
    const legit = expectOk(await send(benign), `The normal request with ${show(benign)}`);
    const m = product([legit.body]);
    const e = `${m.a}*${m.b}`;
    // Expression syntaxes of the common engines: Handlebars/Nunjucks/Jinja, JS template
    // literals, EJS/ERB, Pug/Ruby, doT, Thymeleaf, Razor, Velocity/Freemarker.
    const payloads = [
      `{{${e}}}`,
      `\${${e}}`,
      `<%= ${e} %>`,
      `#{${e}}`,
      `{{=${e}}}`,
      `[[\${${e}}]]`,
      `@(${e})`,
      `\${{${e}}}`,
      `*{${e}}`,
      `{${e}}`,
    ];
    for (const v of payloads) {
      const res = await send(v);
      if (res.body.includes(m.value)) {
        return fail(
          `Template injection: ${where} with ${show(v)} rendered ${m.value} (= ${e}): the input is compiled as part of the template, so an attacker can run code on the server. Pass input to the template as data (render("Hello {{name}}", { name })) and never build template source from it.`,
          exchange(res),
        );
      }
    }
    return pass(
      `Sent ${payloads.length} template expressions ({{…}}, \${…}, <%= … %>, #{…}, …) to ${where}: none was evaluated, and a normal value still renders.`,
    );
  },
});
