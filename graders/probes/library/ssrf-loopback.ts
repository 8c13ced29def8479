import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { AuthSpec, maybeSession } from "../auth.ts";
import { exchange, expectOk, fail, LegitFailure, pass, random } from "../report.ts";
import { describeTemplate, templateWith } from "../template.ts";
import { defineProbe, OWASP_2025, ProbeSetupError } from "../types.ts";
import { sendTemplate, sleep } from "./common.ts";

/** A listener on 127.0.0.1 that records the paths it is asked for. */
async function listen(
  port: number,
  handler?: (path: string, res: http.ServerResponse) => boolean,
): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    if (handler?.(req.url ?? "", res)) return;
    res.writeHead(200, { "content-type": "text/plain" }).end(`backlab-probe internal ${req.url}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const FIX =
  "Before fetching a user-supplied URL, resolve its host and refuse loopback, private, link-local and unspecified addresses (127/8, 10/8, 172.16/12, 192.168/16, 169.254/16, 0.0.0.0, ::1, fc00::/7); better, allow only a list of known hosts. Do not follow redirects blindly (each hop needs the same check).";

export const ssrfLoopback = defineProbe({
  id: "ssrf-loopback",
  title: "Server-side request forgery to internal addresses",
  owasp: OWASP_2025.A01,
  cwe: "CWE-918",
  params: z.strictObject({
    /** The request that makes the service fetch a URL ({payload}), e.g. `{ method: POST, path: /fetch, body: { url: "{payload}" } }`. */
    request: templateWith("payload"),
    auth: AuthSpec.optional(),
    /**
     * A loopback port the service is configured to allow (its allowlist has 127.0.0.1:<port>):
     * the probe listens there too and expects the service to fetch from it.
     */
    allowed_port: z.number().int().min(1024).max(65535).optional(),
    /** How long to wait after the last answer for late (queued) fetches; the probe stops waiting at the first. */
    wait_ms: z.number().int().min(0).max(5000).default(1500),
  }),
  async run(ctx, p) {
    const session = await maybeSession(ctx, p.auth);
    const where = describeTemplate(p.request);
    const token = random(4);
    const internal = await listen(0);
    let allowed: Awaited<ReturnType<typeof listen>> | undefined;
    try {
      const forbidden = `127.0.0.1:${internal.port}`;
      if (p.allowed_port !== undefined) {
        try {
          allowed = await listen(p.allowed_port, (path, res) => {
            if (!path.startsWith(`/redirect-${token}`)) return false;
            res.writeHead(302, { location: `http://${forbidden}/via-redirect-${token}` }).end();
            return true;
          });
        } catch (e) {
          throw new ProbeSetupError(
            `cannot listen on the allowed port 127.0.0.1:${p.allowed_port}: ${(e as Error).message}`,
          );
        }
        const ok = expectOk(
          await sendTemplate(
            ctx,
            p.request,
            { payload: `http://127.0.0.1:${p.allowed_port}/allowed-${token}` },
            session,
          ),
          "Fetching the allowed URL",
        );
        if (!allowed.hits.some((h) => h.startsWith(`/allowed-${token}`)))
          throw new LegitFailure(
            `The service answered ${ok.status} for the allowed URL http://127.0.0.1:${p.allowed_port}/ but never fetched it: allowed destinations must keep working.`,
            exchange(ok),
          );
      }
      const n = internal.port;
      const targets: Array<[string, string]> = [
        ["127.0.0.1", `http://127.0.0.1:${n}/t1-${token}`],
        ["localhost", `http://localhost:${n}/t2-${token}`],
        ["127.1 (short form)", `http://127.1:${n}/t3-${token}`],
        ["2130706433 (decimal)", `http://2130706433:${n}/t4-${token}`],
        ["0x7f000001 (hex)", `http://0x7f000001:${n}/t5-${token}`],
        ["0.0.0.0", `http://0.0.0.0:${n}/t6-${token}`],
        ["[::ffff:127.0.0.1] (IPv4-mapped)", `http://[::ffff:127.0.0.1]:${n}/t7-${token}`],
      ];
      if (allowed)
        targets.push(["a redirect from the allowed host", `http://127.0.0.1:${p.allowed_port}/redirect-${token}`]);
      for (const [label, url] of targets) {
        const res = await sendTemplate(ctx, p.request, { payload: url }, session);
        if (internal.hits.length > 0 || res.body.includes(`backlab-probe internal`)) {
          return fail(
            `SSRF: asked ${where} to fetch ${url} (${label}) and the service connected to the probe's internal listener on ${forbidden} (${res.status}). An attacker can reach admin ports, databases and cloud metadata behind your firewall. ${FIX}`,
            exchange(res),
          );
        }
      }
      // A service that answers first and fetches later (a queue, a fire-and-forget promise).
      const until = Math.min(Date.now() + p.wait_ms, ctx.deadline - 200);
      while (internal.hits.length === 0 && Date.now() < until && !ctx.signal.aborted) await sleep(25, ctx.signal);
      if (internal.hits.length > 0) {
        return fail(
          `SSRF: after the requests to ${where}, the service fetched ${internal.hits[0]} from the probe's internal listener on ${forbidden} (after it had answered: a late, queued fetch). ${FIX}`,
        );
      }
      return pass(
        `${where} refused ${targets.length} internal destinations (127.0.0.1, localhost, decimal/hex/short forms, 0.0.0.0, IPv4-mapped${allowed ? ", a redirect" : ""})${allowed ? " and still fetches the allowed host" : ""}.`,
      );
    } finally {
      await internal.close();
      await allowed?.close();
    }
  },
});
