import { describe, it, expect } from "vitest";
import { AppError, NotFoundError, ValidationError, ConflictError, PaymentDeclinedError } from "@workspace/src/errors.ts";

describe("error hierarchy (src/errors.ts)", () => {
  it("NotFoundError extends AppError and Error, with code NOT_FOUND, resource and id", () => {
    const err = new NotFoundError("Order", "ord_42");
    expect(err, "NotFoundError must extend AppError").toBeInstanceOf(AppError);
    expect(err, "AppError must extend Error").toBeInstanceOf(Error);
    expect(err.code, "NotFoundError.code").toBe("NOT_FOUND");
    expect(err.resource, "NotFoundError.resource").toBe("Order");
    expect(err.id, "NotFoundError.id").toBe("ord_42");
    expect(err.message, "message mentions the id").toContain("ord_42");
    expect(err.name, "name is the class name").toBe("NotFoundError");
  });

  it("ValidationError, ConflictError and PaymentDeclinedError extend AppError with their own stable codes", () => {
    const issues = [{ field: "items[0].quantity", message: "must be an integer >= 1" }];
    const validation = new ValidationError(issues);
    const conflict = new ConflictError("Order ord_1 is paid, not pending");
    const declined = new PaymentDeclinedError("insufficient_funds");

    for (const [err, name, code] of [
      [validation, "ValidationError", "VALIDATION_FAILED"],
      [conflict, "ConflictError", "CONFLICT"],
      [declined, "PaymentDeclinedError", "PAYMENT_DECLINED"],
    ] as const) {
      expect(err, `${name} must extend AppError`).toBeInstanceOf(AppError);
      expect(err, `${name} must extend Error`).toBeInstanceOf(Error);
      expect(err.code, `${name}.code`).toBe(code);
      expect(err.name, `${name}.name`).toBe(name);
      expect(err, `${name} must not be a NotFoundError`).not.toBeInstanceOf(NotFoundError);
    }
    expect(validation.issues, "ValidationError.issues keeps the field issues").toEqual(issues);
    expect(conflict.message, "ConflictError keeps its message").toBe("Order ord_1 is paid, not pending");
    expect(declined.reason, "PaymentDeclinedError.reason").toBe("insufficient_funds");
  });
});
