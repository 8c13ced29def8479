import { z } from "zod";
import { notFound, unauthorized } from "../errors.ts";
import { anyone, route, type Route } from "../http/routes.ts";
import { hasScrapeToken, type LabMetrics } from "./metrics.ts";

/**
 * The Prometheus scrape endpoint. Public in the table (a scraper has no session); the handler
 * wants the scrape token. With no token configured the endpoint does not exist (404), so a lab
 * exposes nothing by default.
 */
export function metricsRoutes(metrics: LabMetrics, token: string | undefined): Route[] {
  return [
    route({
      method: "get",
      path: "/metrics",
      summary:
        "The lab's own metrics in Prometheus text format (Authorization: Bearer $METRICS_TOKEN; 404 when METRICS_TOKEN is unset)",
      tag: "lab",
      auth: anyone,
      input: { headers: z.looseObject({ authorization: z.string().max(500).optional() }) },
      produces: "text/plain; version=0.0.4",
      handler: async ({ input, res }) => {
        if (!token) throw notFound("Metrics");
        if (!hasScrapeToken(input.headers.authorization, token))
          throw unauthorized("A scrape needs Authorization: Bearer <METRICS_TOKEN>.");
        const body = await metrics.registry.metrics();
        res.status(200).type(metrics.registry.contentType).send(body);
      },
    }),
  ];
}
