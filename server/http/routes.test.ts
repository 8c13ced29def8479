import express from "express";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openApiDocument } from "./openapi.ts";
import { anyone, expectedAccess, mountRoutes, owner, roles, route, signedIn, type Route } from "./routes.ts";

const handler = () => ({ ok: true });

describe("the route table", () => {
  it("refuses a route declared twice and an owner rule without ownerOf", () => {
    const a = route({ method: "get", path: "/x", summary: "x", tag: "t", auth: anyone, handler });
    expect(() => mountRoutes(express.Router(), [a, a], { checkResponses: true })).toThrow(/declared twice: GET \/x/);
    const orphan = route({ method: "get", path: "/y/:id", summary: "y", tag: "t", auth: owner("workspace"), handler });
    expect(() => mountRoutes(express.Router(), [orphan], { checkResponses: true })).toThrow(
      /owner rule without ownerOf/,
    );
    const ruleless = { method: "get", path: "/z", summary: "z", tag: "t", handler } as unknown as Route;
    expect(() => mountRoutes(express.Router(), [ruleless], { checkResponses: true })).toThrow(/without an auth rule/);
  });

  it("derives every expectation from the rule", () => {
    expect(expectedAccess(anyone, null, false)).toBe("allowed");
    expect(expectedAccess(signedIn, null, false)).toBe(401);
    // A candidate reaches only routes open to candidates; the rest do not exist for them.
    expect(expectedAccess(signedIn, "candidate", false)).toBe(404);
    expect(expectedAccess(anyone, "candidate", false)).toBe(404);
    expect(expectedAccess(signedIn, "candidate", false, true)).toBe("allowed");
    const reviewers = owner("assessment", { staff: ["admin"], roles: ["admin", "instructor"] });
    expect(expectedAccess(reviewers, "learner", true)).toBe(403);
    expect(expectedAccess(reviewers, "instructor", true)).toBe("allowed");
    expect(expectedAccess(reviewers, "instructor", false)).toBe(404);
    expect(expectedAccess(reviewers, "admin", false)).toBe("allowed");
    const admins = roles("admin");
    expect(expectedAccess(admins, "instructor", true)).toBe(403);
    expect(expectedAccess(admins, "admin", false)).toBe("allowed");
    const staffed = owner("recording", { staff: ["instructor"] });
    expect(expectedAccess(staffed, "learner", true)).toBe("allowed");
    expect(expectedAccess(staffed, "learner", false)).toBe(404);
    expect(expectedAccess(staffed, "admin", false)).toBe(404);
    expect(expectedAccess(staffed, "instructor", false)).toBe("allowed");
  });

  it("documents paths, parameters, bodies and the errors each rule can give", () => {
    const doc = openApiDocument(
      [
        route({
          method: "patch",
          path: "/things/:id",
          summary: "Change a thing",
          tag: "things",
          auth: roles("admin"),
          input: {
            params: z.object({ id: z.coerce.number().int() }),
            query: z.object({ dry: z.enum(["yes", "no"]).optional() }),
            body: z.object({ name: z.string().max(10) }).strict(),
          },
          response: z.object({ name: z.string() }),
          handler: () => ({ name: "x" }),
        }),
      ],
      { version: "1" },
    ) as { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };
    expect(doc.openapi).toBe("3.1.0");
    const op = doc.paths["/api/things/{id}"]!.patch! as {
      parameters: { name: string; in: string; required: boolean }[];
      requestBody: {
        content: Record<string, { schema: { properties: Record<string, unknown>; additionalProperties: boolean } }>;
      };
      responses: Record<string, unknown>;
      "x-auth": string;
    };
    expect(op.parameters).toEqual([
      expect.objectContaining({ name: "id", in: "path", required: true }),
      expect.objectContaining({ name: "dry", in: "query", required: false }),
    ]);
    expect(op.requestBody.content["application/json"]!.schema).toMatchObject({
      properties: { name: { type: "string", maxLength: 10 } },
      additionalProperties: false,
    });
    expect(Object.keys(op.responses).sort()).toEqual(["200", "400", "401", "403"]);
    expect(op["x-auth"]).toBe("roles: admin");
  });
});
