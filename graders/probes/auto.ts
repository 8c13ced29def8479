/**
 * `backlab probe <url> --openapi <file|url>` / `--crawl`: discovery, then a plan. The OpenAPI
 * document (given, or the service's own /openapi.json) wins; without one the service is
 * crawled, signed out and then, when credentials are given and a login form was found,
 * signed in (pages only seen signed in count as needing auth).
 */
import { AuthSpec, openSessions } from "./auth.ts";
import { crawl, loadOpenApi, targetsFromOpenApi, type CrawlOptions, type Target } from "./discover.ts";
import { HttpClient } from "./http.ts";
import { authFrom, planProbes, type Credentials, type Plan } from "./plan.ts";
import type { ProbeContext } from "./types.ts";

export type AutoOptions = Credentials & {
  /** A file or loopback URL; "auto" (default) tries the service's own /openapi.json first. */
  openapi?: string;
  /** Crawl even when there is a document. */
  crawl?: boolean;
  crawlOptions?: Omit<CrawlOptions, "session">;
};

export type Discovery = Plan & { targets: Target[]; source: string };

const key = (t: Target) => `${t.method} ${t.path}`;

export async function discover(base: string, opts: AutoOptions = {}): Promise<Discovery> {
  const http = new HttpClient(base, { timeoutMs: 5_000 });
  const given = opts.openapi && opts.openapi !== "auto" ? opts.openapi : undefined;
  const doc = await loadOpenApi(base, given, http);
  let targets: Target[] = doc ? targetsFromOpenApi(doc) : [];
  const sources: string[] = doc ? [`OpenAPI (${given ?? "served by the service"}): ${targets.length} operations`] : [];
  if (!doc || opts.crawl) {
    const anon = await crawl(base, opts.crawlOptions);
    let signedIn: Target[] = [];
    const auth = authFrom(anon, opts);
    const spec = auth ? AuthSpec.safeParse(auth) : undefined;
    if (spec?.success) {
      const controller = new AbortController();
      const ctx: ProbeContext = { base: http.base, http, signal: controller.signal, deadline: Date.now() + 10_000 };
      const [session] = await openSessions(ctx, spec.data, 1).catch(() => [undefined]);
      if (session) {
        const known = new Set(anon.map(key));
        const start = anon.filter((t) => t.method === "GET").map((t) => t.page ?? t.path);
        signedIn = (await crawl(base, { ...opts.crawlOptions, start, session: (r) => session.apply(r) })).filter(
          (t) => !known.has(key(t)),
        );
      }
    }
    const crawled = [...anon.filter((t) => !signedIn.some((s) => key(s) === key(t))), ...signedIn];
    sources.push(`crawl: ${anon.length} targets signed out, ${signedIn.length} more signed in`);
    targets = [...targets, ...crawled];
  }
  return { ...planProbes(targets, opts), targets, source: sources.join("; ") };
}
