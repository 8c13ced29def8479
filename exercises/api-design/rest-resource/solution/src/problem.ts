// RFC 9457 problem details: every error this API sends goes through here.
import type { Response } from "express";

export type FieldError = { field: string; message: string };

export const PROBLEM_BASE = "https://backlab.local/problems/";

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export function sendProblem(res: Response, p: Problem): void {
  const body: Record<string, unknown> = { type: PROBLEM_BASE + p.slug, title: p.title, status: p.status, detail: p.detail };
  if (p.errors) body.errors = p.errors;
  res.status(p.status).type("application/problem+json").send(JSON.stringify(body));
}

export const notFound = (detail: string) => new Problem(404, "not-found", "Resource not found", detail);
export const invalid = (detail: string, errors: FieldError[]) => new Problem(400, "validation-error", "Your request is not valid", detail, errors);
