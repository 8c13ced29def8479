import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "./logger.ts";

/**
 * A failure the client caused or may act on. Rendered as RFC 9457 problem+json:
 * `type` is a stable identifier (`/problems/<id>`), `detail` is for humans.
 */
export class Problem extends Error {
  readonly status: number;
  readonly id: string;
  readonly title: string;
  readonly extra: Record<string, unknown>;

  constructor(status: number, id: string, title: string, detail?: string, extra: Record<string, unknown> = {}) {
    super(detail ?? title);
    this.status = status;
    this.id = id;
    this.title = title;
    this.extra = extra;
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  new Problem(400, "validation", "Invalid request", detail, extra);
export const unauthorized = (detail = "Sign in first.") => new Problem(401, "unauthenticated", "Not signed in", detail);
export const forbidden = (detail = "You may not do this.") => new Problem(403, "forbidden", "Forbidden", detail);
export const notFound = (what: string) => new Problem(404, "not-found", "Not found", `${what} does not exist.`);
export const conflict = (detail: string) => new Problem(409, "conflict", "Conflict", detail);
export const tooMany = (detail: string) => new Problem(429, "rate-limited", "Too many requests", detail);
export const unavailable = (detail: string) => new Problem(503, "unavailable", "Service unavailable", detail);

export function problemBody(p: Problem, instance?: string) {
  return { type: `/problems/${p.id}`, title: p.title, status: p.status, detail: p.message, instance, ...p.extra };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`The route ${req.method} ${req.path}`));
};

/** The one error handler: known problems keep their status; anything else is a logged 500 with no details. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let problem: Problem;
    if (err instanceof Problem) {
      problem = err;
    } else if (isHttpError(err) && err.status < 500) {
      // body-parser and friends: too large, malformed JSON, wrong charset.
      problem = new Problem(
        err.status,
        err.type === "entity.too.large" ? "too-large" : "bad-body",
        "Invalid request body",
        bodyErrorDetail(err),
      );
    } else {
      log.error({ err, method: req.method, path: req.path }, "unhandled error");
      problem = new Problem(500, "internal", "Internal error", "Something went wrong on our side; it has been logged.");
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    if (typeof problem.extra.retryAfter === "number") res.setHeader("Retry-After", String(problem.extra.retryAfter));
    res.status(problem.status).type("application/problem+json").json(problemBody(problem, req.originalUrl));
  };
}

type HttpError = Error & { status: number; type?: string };

function isHttpError(err: unknown): err is HttpError {
  return err instanceof Error && typeof (err as HttpError).status === "number";
}

function bodyErrorDetail(err: HttpError): string {
  switch (err.type) {
    case "entity.too.large": {
      // body-parser tells the limit and the size: say both, so the person knows what to do.
      const { limit, length } = err as HttpError & { limit?: number; length?: number };
      const mb = (n: number) =>
        n < 1024 * 1024 ? `${Math.round(n / 1024)} kB` : `${(n / (1024 * 1024)).toFixed(1)} MB`;
      if (typeof limit !== "number") return "The request body is too large.";
      return `The request body is ${typeof length === "number" ? mb(length) : "too large"}; at most ${mb(limit)} is accepted here. Send less at once (a file too big for the editor can be made in the terminal).`;
    }
    case "entity.parse.failed":
      return "The request body is not valid JSON.";
    default:
      return "The request body could not be read.";
  }
}
