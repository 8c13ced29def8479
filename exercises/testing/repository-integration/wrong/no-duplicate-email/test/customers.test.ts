import { describe, expect, it } from "vitest";
import { shop } from "./support.ts";

describe("customers", () => {
  it("creates customers with their email", async () => {
    const ada = await shop.createCustomer("ada@example.com");
    const grace = await shop.createCustomer("grace@example.com");
    expect(ada).toMatchObject({ email: "ada@example.com" });
    expect(grace).toMatchObject({ email: "grace@example.com" });
    expect(grace.id).not.toBe(ada.id);
  });
});
