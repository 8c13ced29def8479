import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SignupBody } from "../accounts/schema.ts";
import { WorkspacePath } from "../workspaces/paths.ts";
import { issueSentence, issueWords } from "./messages.ts";

/** What a person reads when a field is refused: the first issue, as validate() renders it. */
function said(schema: z.ZodType, input: unknown, part = "body"): string[] {
  const r = schema.safeParse(input, { error: issueWords });
  expect(r.success).toBe(false);
  return r.error!.issues.map((i) => issueSentence(part, i));
}

const signup = { email: "ada@example.test", displayName: "Ada", password: "a long enough password" };

describe("validation messages in words", () => {
  it("a too-long display name names the field, the limit and the length", () => {
    expect(said(SignupBody, { ...signup, displayName: "x".repeat(95) })).toEqual([
      "The display name may be at most 80 characters long (this one has 95).",
    ]);
  });

  it("a missing field, a wrong type, a bad email, an unknown field", () => {
    expect(said(SignupBody, { email: signup.email, password: signup.password })).toEqual([
      "The display name is required.",
    ]);
    expect(said(SignupBody, { ...signup, displayName: "" })).toEqual(["The display name is required."]);
    expect(said(SignupBody, { ...signup, email: 42 })).toEqual(["The email must be text."]);
    expect(said(SignupBody, { ...signup, email: "ada" })).toEqual([
      "The email must be an email address, like ada@example.com.",
    ]);
    expect(said(SignupBody, { ...signup, role: "admin" })).toEqual([
      "The request has a field this request does not take: role.",
    ]);
  });

  it("a schema's own words stay, with the field named first", () => {
    expect(said(SignupBody, { ...signup, password: "short" })).toEqual(["The password: use at least 10 characters."]);
    expect(said(z.object({ path: WorkspacePath }), { path: `${"n".repeat(243)}/${"é".repeat(130)}` })).toEqual([
      "The path has a name longer than 255 bytes.",
    ]);
    expect(said(z.object({ path: WorkspacePath }), { path: "x".repeat(1025) })).toEqual([
      "The path must be at most 1024 characters.",
    ]);
  });

  it("numbers, lists, choices and items of a list", () => {
    const s = z.object({
      days: z.number().int().min(1).max(90),
      role: z.enum(["learner", "admin"]),
      exercises: z.array(z.object({ id: z.string().max(3) })).max(2),
    });
    expect(said(s, { days: 91, role: "learner", exercises: [] })).toEqual(["The days must be at most 90."]);
    expect(said(s, { days: 0, role: "learner", exercises: [] })).toEqual(["The days must be at least 1."]);
    expect(said(s, { days: 1.5, role: "learner", exercises: [] })).toEqual(["The days must be a whole number."]);
    expect(said(s, { days: 1, role: "boss", exercises: [] })).toEqual(["The role must be one of: learner, admin."]);
    expect(said(s, { days: 1, role: "admin", exercises: [{ id: "abcd" }] })).toEqual([
      "The id of item 1 of exercises may be at most 3 characters long (this one has 4).",
    ]);
    expect(said(s, { days: 1, role: "admin", exercises: [{ id: "a" }, { id: "b" }, { id: "c" }] })).toEqual([
      "The exercises may hold at most 2 items.",
    ]);
  });

  it("no message keeps zod's notation", () => {
    const all = [...said(SignupBody, {}), ...said(z.object({ id: z.coerce.number().int() }), { id: "x" }, "params")];
    for (const m of all) expect(m).not.toMatch(/expected|<=|>=|Too (big|small)|Invalid input|body\.|\u2063/);
  });
});
