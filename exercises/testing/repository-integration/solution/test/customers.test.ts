import { describe, expect, it } from "vitest";
import { DuplicateEmailError } from "../src/shop.ts";
import { shop } from "./support.ts";

describe("customers", () => {
  it("refuses a second account with the same email", async () => {
    await shop.createCustomer("ada@example.com");
    await expect(shop.createCustomer("ada@example.com")).rejects.toBeInstanceOf(DuplicateEmailError);
    await expect(shop.createCustomer("grace@example.com")).resolves.toMatchObject({ email: "grace@example.com" });
  });
});
