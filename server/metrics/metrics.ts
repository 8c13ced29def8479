import crypto from "node:crypto";
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The lab's own Prometheus metrics (issue 16, "the lab's own observability"). One registry per
 * lab process; features observe into the instruments below, gauges read live state when
 * scraped. Scraped at `GET /api/metrics` with `Authorization: Bearer $METRICS_TOKEN`.
 */
export type LabGauges = {
  /** Submissions waiting for a worker, and being graded, right now. */
  queue: () => { queued: number; running: number };
  /** Live workspace sandboxes (terminals' sandboxes; gradings' are short-lived and counted by gradings). */
  sandboxes: () => number;
  terminalSessions: () => number;
};

export class LabMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly queueWait: Histogram;
  readonly gradingDuration: Histogram<"kind" | "status">;
  readonly gradings: Counter<"status">;

  constructor(driver: string, gauges: LabGauges) {
    collectDefaultMetrics({ register: this.registry, prefix: "backlab_" });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: "backlab_http_request_duration_seconds",
      help: "HTTP API requests by route template, method and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.queueWait = new Histogram({
      name: "backlab_grading_queue_wait_seconds",
      help: "Time from a submission's 202 to the start of its grading",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.gradingDuration = new Histogram({
      name: "backlab_grading_duration_seconds",
      help: "Wall time of a grading, by the grader kinds of the exercise's steps (joined with +) and its status",
      labelNames: ["kind", "status"],
      buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120],
      registers,
    });
    this.gradings = new Counter({
      name: "backlab_gradings_total",
      help: "Gradings finished, by status",
      labelNames: ["status"],
      registers,
    });
    new Gauge({
      name: "backlab_grading_queue_depth",
      help: "Submissions by state: queued (waiting for a worker) or running",
      labelNames: ["state"],
      registers,
      collect() {
        const q = gauges.queue();
        this.set({ state: "queued" }, q.queued);
        this.set({ state: "running" }, q.running);
      },
    });
    new Gauge({
      name: "backlab_sandboxes_live",
      help: "Live workspace sandboxes, by driver",
      labelNames: ["driver"],
      registers,
      collect() {
        this.set({ driver }, gauges.sandboxes());
      },
    });
    new Gauge({
      name: "backlab_terminal_sessions",
      help: "Live terminal sessions",
      registers,
      collect() {
        this.set(gauges.terminalSessions());
      },
    });
  }

  /** Times every API request by its route template (never the raw URL: ids would explode the labels). */
  httpTimer(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.once("finish", () => {
        const route = (req.route as { path?: string } | undefined)?.path ?? "unmatched";
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}

/** True when the request carries the scrape token (compared in constant time). */
export function hasScrapeToken(header: string | undefined, token: string): boolean {
  const m = /^Bearer (\S+)$/.exec(header ?? "");
  if (!m) return false;
  const a = crypto.createHash("sha256").update(m[1]!).digest();
  const b = crypto.createHash("sha256").update(token).digest();
  return crypto.timingSafeEqual(a, b);
}
