// RFC 9457 problem details: every error this API answers goes through here.
import type { Response } from "express";

export type FieldError = { field: string; message: string };

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
  const body: Record<string, unknown> = { type: `https://backlab.local/problems/${p.slug}`, title: p.title, status: p.status, detail: p.detail };
  if (p.errors) body.errors = p.errors;
  res.status(p.status).type("application/problem+json").send(JSON.stringify(body));
}

export const invalid = (detail: string, errors: FieldError[] = []) => new Problem(400, "validation-error", "Your request is not valid", detail, errors);
export const notFound = (detail: string) => new Problem(404, "not-found", "Not found", detail);
