import { z } from "zod";
import { around, exchange, fail, line, pass } from "../report.ts";
import { defineProbe, OWASP_2025 } from "../types.ts";

const LISTING =
  /<title>\s*Index of \/|<h1>\s*Index of \/|Directory listing for \/|<title>\s*listing directory|\[To Parent Directory\]|<a href="\.\.\/">\.\.\/<\/a>/i;

export const directoryListing = defineProbe({
  id: "directory-listing",
  title: "Directory listing",
  owasp: OWASP_2025.A02,
  cwe: "CWE-548",
  params: z.strictObject({
    paths: z
      .array(z.string().startsWith("/").max(500))
      .min(1)
      .max(20)
      .default(["/", "/public/", "/static/", "/files/", "/uploads/", "/assets/", "/images/", "/.git/"]),
  }),
  async run(ctx, p) {
    for (const path of p.paths) {
      const res = await ctx.http.send({ path });
      const m = LISTING.exec(res.body);
      if (res.status >= 200 && res.status <= 299 && m) {
        return fail(
          `Directory listing: ${line(res)} lists the folder's files (${JSON.stringify(around(res.body, LISTING, 30))}). Attackers see backups, configs and uploads you never linked. Serve files without an index (express.static(dir, { index: false }), no serve-index) and answer 404 for folders.`,
          exchange(res),
        );
      }
    }
    return pass(`None of ${p.paths.join(", ")} answers with a file listing.`);
  },
});
