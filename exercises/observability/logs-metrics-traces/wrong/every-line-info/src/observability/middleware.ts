import { randomUUID } from "node:crypto";
import type { Request, RequestHandler } from "express";
import { runWithContext, type RequestContext } from "./context.ts";
import { log } from "./logger.ts";
import { httpDuration, httpRequests } from "./metrics.ts";
import { newSpanId, newTraceId, parseTraceparent } from "./trace.ts";

/** 1 to 128 visible ASCII characters: anything else is replaced, not trusted. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The route template that handled the request ("/orders/:id"), never the raw URL: ids in a
 * label make one time series per order. Requests no route matched share one label.
 */
export function routeOf(req: Request): string {
  const path: unknown = req.route?.path;
  if (typeof path !== "string") return "unmatched";
  const full = req.baseUrl + (path === "/" && req.baseUrl ? "" : path);
  return full || "/";
}

/** Request id, trace context, then one log line and the metrics when the response is done. */
export function observe(): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incomingId = req.get("x-request-id");
    const parent = parseTraceparent(req.get("traceparent"));
    const ctx: RequestContext = {
      requestId: incomingId !== undefined && REQUEST_ID.test(incomingId) ? incomingId : randomUUID(),
      traceId: parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      flags: parent?.flags ?? "01",
    };
    res.setHeader("X-Request-Id", ctx.requestId);

    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      const status = res.statusCode;
      httpRequests.inc({ method: req.method, route, status: String(status) });
      httpDuration.observe({ method: req.method, route }, seconds);
      runWithContext(ctx, () =>
        log("info", "request completed", {
          method: req.method,
          path: route,
          status,
          duration_ms: Math.round(seconds * 1e6) / 1e3,
          ...(res.writableFinished ? {} : { aborted: true }),
        }),
      );
    };
    res.once("finish", finish);
    res.once("close", finish);
    runWithContext(ctx, next);
  };
}
