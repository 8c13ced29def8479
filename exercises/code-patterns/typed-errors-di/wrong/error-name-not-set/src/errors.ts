/**
 * Typed application errors. Domain code throws these (never strings);
 * the HTTP layer (src/http.ts) maps them to problem+json responses.
 */

/** One problem with one input field, e.g. { field: "items[0].quantity", message: "must be an integer >= 1" }. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Base class of every expected, domain-level failure. */
export abstract class AppError extends Error {
  /** Stable, machine-readable identifier: clients may branch on it. */
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly code = "NOT_FOUND";
  readonly resource: string;
  readonly id: string;

  constructor(resource: string, id: string) {
    super(`${resource} ${id} not found`);
    this.resource = resource;
    this.id = id;
  }
}

export class ValidationError extends AppError {
  readonly code = "VALIDATION_FAILED";
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super(`Invalid input: ${issues.map((i) => `${i.field} ${i.message}`).join("; ")}`);
    this.issues = issues;
  }
}

export class ConflictError extends AppError {
  readonly code = "CONFLICT";
}

export class PaymentDeclinedError extends AppError {
  readonly code = "PAYMENT_DECLINED";
  readonly reason: string;

  constructor(reason: string) {
    super(`Payment declined: ${reason}`);
    this.reason = reason;
  }
}
