import { context, SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import type { Request, RequestHandler, Response } from "express";
import { tracer } from "../telemetry.ts";

// One SERVER span per request, by hand (no auto-instrumentation is installed), following the
// stable HTTP semantic conventions: https://opentelemetry.io/docs/specs/semconv/http/http-spans/

const serverSpans = new WeakMap<Response, Span>();

/** The request's SERVER span, for the error handler. */
export function serverSpanOf(res: Response): Span | undefined {
  return serverSpans.get(res);
}

/** The route template ("/products/:sku"), known only once routing matched; null when none did. */
function routeOf(req: Request): string | null {
  const path = req.route?.path;
  if (typeof path !== "string") return null;
  return `${req.baseUrl}${path === "/" && req.baseUrl ? "" : path}` || "/";
}

export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    // Continue the caller's trace if it sent a valid traceparent; otherwise this is a root.
    const parent = context.active();
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_URL_PATH]: req.path, [ATTR_URL_SCHEME]: req.protocol } },
      parent,
    );
    serverSpans.set(res, span);

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      // The template, never the raw path: "/products/KB-01" would make every sku its own span name.
      const route = routeOf(req);
      if (route) {
        span.setAttribute(ATTR_HTTP_ROUTE, route);
        span.updateName(`${req.method} ${route}`);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      // Server spans are errors for 5xx only: a 404 is the client's problem, not this service's.
      if (res.statusCode >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    // "finish": the response was handed to the OS; "close" alone: the client went away first.
    res.once("finish", end);
    res.once("close", end);

    // Everything the handlers do (and await) runs with this span as the active one.
    context.with(trace.setSpan(parent, span), next);
  };
}
