import { z } from "zod";
import { findLeaks } from "../analyze.ts";
import type { HttpRequest, HttpResponse } from "../http.ts";
import { exchange, fail, line, pass } from "../report.ts";
import { describeTemplate, RequestTemplate, toRequest } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";

/** Malformed requests any HTTP service must survive. */
function malformed(path: string): Array<[string, HttpRequest]> {
  const p = path.replace(/\/$/, "");
  return [
    [
      "truncated JSON",
      { method: "POST", path: path, headers: { "content-type": "application/json" }, body: '{"probe": ' },
    ],
    [
      "JSON in an unknown charset",
      { method: "POST", path: path, headers: { "content-type": "application/json; charset=utf-7" }, body: "{}" },
    ],
    [
      "a JSON body of the wrong type",
      { method: "POST", path: path, headers: { "content-type": "application/json" }, body: '"\\u0000"' },
    ],
    ["a broken percent-encoding", { method: "GET", path: `${p}/%E0%A4%A?q=%` }],
    [
      "nested query parameters",
      { method: "GET", path: `${path}${path.includes("?") ? "&" : "?"}q[$ne]=1&q[a][b]=2&id[]=x` },
    ],
  ];
}

export const errorLeak = defineProbe({
  id: "error-leak",
  title: "Error details leaked",
  owasp: OWASP_2025.A10,
  cwe: "CWE-209",
  params: z.strictObject({
    /** Where to send the built-in malformed requests. */
    paths: z.array(z.string().startsWith("/").max(500)).min(1).max(10).default(["/"]),
    /** More malformed requests of your own (a raw body: `body_type: raw`). */
    requests: z.array(RequestTemplate).max(10).default([]),
  }),
  async run(ctx, p) {
    // The user's own requests first, and every request checked: the first finding does not hide the others.
    const list: Array<[string, HttpRequest]> = [
      ...p.requests.map((t, i): [string, HttpRequest] => [
        `request ${i + 1} (${describeTemplate(t)})`,
        toRequest(t, {}),
      ]),
      ...p.paths.flatMap(malformed),
    ];
    const found: Array<{ text: string; res: HttpResponse }> = [];
    for (const [what, req] of list) {
      const res = await ctx.http.send(req);
      const leaks = findLeaks(
        res.body +
          "\n" +
          Object.entries(res.headers)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join("\n"),
      );
      if (leaks.length)
        found.push({
          text: `${what} to ${line(res)} answered with ${leaks.map((l) => l.kind).join(", ")} (${JSON.stringify(leaks[0]!.match.slice(0, 80))})`,
          res,
        });
      else if (res.status >= 500) found.push({ text: `${what} to ${line(res)} crashed the request (5xx)`, res });
    }
    if (found.length) {
      const leaked = found.some((f) => !f.text.endsWith("(5xx)"));
      return fail(
        `${leaked ? "Error details leaked" : "Malformed input crashed the request"} in ${found.length} of ${list.length} requests: ${found
          .slice(0, 3)
          .map((f) => f.text)
          .join(
            "; ",
          )}${found.length > 3 ? "; …" : ""}. ${leaked ? "Attackers learn your code, paths and versions. End with an error handler that logs the details and answers a short generic message (e.g. RFC 9457 problem+json), and set NODE_ENV=production." : "Bad input is the client's fault: validate it and answer 400 (or 415/422), not 500."}`,
        exchange(found[0]!.res, 240),
      );
    }
    return pass(
      `${list.length} malformed requests (broken JSON, unknown charset, bad percent-encoding, nested query parameters${p.requests.length ? ", and yours" : ""}) were answered without a 5xx, stack traces, file paths, environment variables or framework error pages.`,
    );
  },
});
