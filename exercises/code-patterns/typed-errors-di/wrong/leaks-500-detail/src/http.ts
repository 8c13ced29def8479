import type { ErrorRequestHandler } from "express";
import { ConflictError, NotFoundError, PaymentDeclinedError, ValidationError } from "./errors.ts";
import type { Logger } from "./orders.ts";

/** RFC 9457 problem details, plus our stable `code` (and `errors` for validation). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

function toProblem(err: unknown): Problem {
  if (err instanceof ValidationError) {
    return { type: "about:blank", title: "Bad Request", status: 400, detail: err.message, code: err.code, errors: err.issues };
  }
  if (err instanceof NotFoundError) return { type: "about:blank", title: "Not Found", status: 404, detail: err.message, code: err.code };
  if (err instanceof ConflictError) return { type: "about:blank", title: "Conflict", status: 409, detail: err.message, code: err.code };
  if (err instanceof PaymentDeclinedError) {
    return { type: "about:blank", title: "Payment Required", status: 402, detail: err.message, code: err.code };
  }
  return { type: "about:blank", title: "Internal Server Error", status: 500, detail: err instanceof Error ? err.message : String(err) };
}

/**
 * Express 5 error handler: maps AppErrors to problem+json with their status;
 * anything else becomes a generic 500 (logged, never shown to the client).
 */
export function errorToProblem(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const problem = toProblem(err);
    if (problem.status === 500) {
      logger.error("unhandled error", { error: err instanceof Error ? err.message : String(err) });
    }
    res.status(problem.status).type("application/problem+json").send(JSON.stringify(problem));
  };
}
