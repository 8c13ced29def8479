/**
 * Typed application errors. Someone started this file and then got pulled
 * onto another project: only the base class and NotFoundError exist, and
 * nothing in src/ uses them yet. Read README.md for the full hierarchy.
 */

/** Base class of every expected, domain-level failure. */
export abstract class AppError extends Error {
  /** Stable, machine-readable identifier: clients may branch on it. */
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
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

// TODO: ValidationError, ConflictError, PaymentDeclinedError
