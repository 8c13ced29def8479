import type { RequestHandler } from "express";
import { tracer } from "./telemetry.ts";

// One span per request.
export function traceRequests(): RequestHandler {
  return (req, res, next) => {
    const span = tracer.startSpan(`HTTP ${req.method}`, {
      attributes: { "http.method": req.method, "http.url": req.originalUrl },
    });
    res.on("finish", () => {
      span.setAttribute("http.status_code", res.statusCode);
      span.end();
    });
    next();
  };
}
