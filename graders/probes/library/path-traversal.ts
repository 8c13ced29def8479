import { z } from "zod";
import { AuthSpec, maybeSession } from "../auth.ts";
import { exchange, expectOk, fail, pass, show } from "../report.ts";
import { describeTemplate, inPath, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";
import { sendTemplate } from "./common.ts";

const FIX =
  "Resolve the full path (path.resolve(root, name)) and refuse it unless it is still inside the folder (startsWith(root + path.sep)); better, accept only plain file names or ids. Decode input exactly once.";

type Variant = { label: string; path: string; body: string };

function variants(target: string, depth: number, ext: string): Variant[] {
  const up = "../".repeat(depth);
  const plain = up + target;
  const enc = (s: string) => encodeURIComponent(s);
  const allEnc = (s: string) => s.replace(/\./g, "%2e").replace(/\//g, "%2f");
  const sneaky = "....//".repeat(depth) + target;
  return [
    { label: "plain ../", path: plain, body: plain },
    { label: "URL-encoded", path: enc(plain), body: plain },
    { label: "fully URL-encoded (%2e%2e%2f)", path: allEnc(plain), body: plain },
    { label: "double URL-encoded (%252e%252e%252f)", path: allEnc(plain).replace(/%/g, "%25"), body: allEnc(plain) },
    { label: `null byte + extension (${ext})`, path: `${enc(plain)}%00${ext}`, body: `${plain}\u0000${ext}` },
    {
      label: `double-encoded null byte + extension (%2500${ext})`,
      path: `${enc(plain)}%2500${ext}`,
      body: `${plain}%00${ext}`,
    },
    { label: `extension after a query or fragment (?${ext})`, path: `${enc(plain)}%3F${ext}`, body: `${plain}?${ext}` },
    { label: "....// (survives one removal of ../)", path: enc(sneaky), body: sneaky },
    { label: "absolute path", path: enc(`/${target}`), body: `/${target}` },
  ];
}

export const pathTraversal = defineProbe({
  id: "path-traversal",
  title: "Path traversal",
  owasp: OWASP_2025.A01,
  cwe: "CWE-22",
  params: z.strictObject({
    /** The request that names a file, e.g. `{ path: "/files/{payload}" }` or `{ path: "/download?file={payload}" }`. */
    request: templateWith("payload"),
    auth: AuthSpec.optional(),
    /** A file the route legitimately serves, e.g. "readme.txt". */
    legit: z.string().min(1).max(200),
    /** The file to reach, relative to the file-system root. */
    target: z.string().min(1).max(200).regex(/^[^/]/, "relative to /, without a leading slash").default("etc/passwd"),
    /** A regular expression its content matches. */
    pattern: z.string().min(1).max(200).default("root:[^:\\n]*:0:0:"),
    /** How many ../ to prepend (extra ones stop at the root). */
    depth: z.number().int().min(1).max(20).default(10),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const where = describeTemplate(p.request);
    const pattern = new RegExp(p.pattern);
    const raw = inPath(p.request, "payload") ? ["payload"] : [];
    expectOk(
      await sendTemplate(ctx, p.request, { payload: p.legit }, session),
      `Fetching the normal file ${show(p.legit)}`,
    );
    const list = variants(p.target, p.depth, /\.[A-Za-z0-9]{1,8}$/.exec(p.legit)?.[0] ?? ".txt");
    for (const v of list) {
      const res = await sendTemplate(ctx, p.request, { payload: raw.length ? v.path : v.body }, session, {
        rawInPath: raw,
      });
      const m = pattern.exec(res.body);
      if (m) {
        return fail(
          `Path traversal (${v.label}): ${res.method} ${res.target.slice(0, 160)} returned /${p.target} (${show(m[0], 40)} …): any file the service can read is downloadable. ${FIX}`,
          exchange(res),
        );
      }
    }
    return pass(
      `${where} refused ${list.length} ways out of its folder (plain, encoded, double-encoded, null byte, ....//, absolute) and still serves ${show(p.legit)}.`,
    );
  },
});
