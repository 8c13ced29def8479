import type { RequestHandler } from "express";
import type { z } from "zod";
import { badRequest } from "../errors.ts";
import { issueSentence, issueWords } from "./messages.ts";

type Parts = { body?: z.ZodType; params?: z.ZodType; query?: z.ZodType; headers?: z.ZodType };

/** Validates request parts with zod; the parsed values replace the raw ones in `res.locals.input`. */
export function validate<P extends Parts>(parts: P): RequestHandler {
  return (req, res, next) => {
    const input: Record<string, unknown> = {};
    for (const key of ["params", "query", "headers", "body"] as const) {
      const schema = parts[key];
      if (!schema) continue;
      const result = schema.safeParse(req[key] ?? {}, { error: issueWords });
      if (!result.success) {
        // `path` and `code` for programs, `message` for people (the page shows it as it is).
        const errors = result.error.issues.map((i) => ({
          in: key,
          path: i.path.join("."),
          code: i.code,
          message: issueSentence(key, i),
        }));
        next(badRequest(errors[0]!.message, { errors }));
        return;
      }
      input[key] = result.data;
    }
    res.locals.input = input;
    next();
  };
}

export type Input<P extends Parts> = {
  [K in keyof P]: P[K] extends z.ZodType ? z.infer<P[K]> : never;
};

/** The validated input stored by `validate()`, typed by the same schemas. */
export function input<P extends Parts>(res: { locals: Record<string, unknown> }, _parts: P): Input<P> {
  return res.locals.input as Input<P>;
}
