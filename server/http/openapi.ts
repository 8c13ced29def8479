import { z } from "zod";
import { describeRule, type Route } from "./routes.ts";

type JsonSchema = Record<string, unknown>;

/** Input schemas describe what a client sends (before coercion and transforms); bodies what it gets. */
const schemaOf = (s: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    reused: "inline",
  }) as JsonSchema;
  return rest;
};

const Problem = {
  type: "object",
  description: "RFC 9457 problem details",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
  },
  required: ["type", "title", "status"],
};

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** Express `:id` → OpenAPI `{id}`. */
const openApiPath = (p: string) => p.replace(/:(\w+)/g, "{$1}");

/** Path, query and header parameters from the properties of their object schemas. */
function parameters(where: "path" | "query" | "header", s: z.ZodType | undefined): JsonSchema[] {
  if (!s) return [];
  const json = schemaOf(s, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema,
  }));
}

/** The OpenAPI 3.1 document of the REST API, from the same table and schemas the server mounts. */
export function openApiDocument(routes: readonly Route[], info: { version: string; serverUrl?: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op: Record<string, unknown> = {
      operationId: `${r.method}${r.path.replace(/[/:-](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, "")}`,
      summary: r.summary,
      tags: [r.tag],
      "x-auth": describeRule(r.auth),
    };
    const responses: Record<string, unknown> = {};
    if (r.upgrade) {
      op.parameters = parameters(
        "path",
        z.object(Object.fromEntries([...r.path.matchAll(/:(\w+)/g)].map((m) => [m[1]!, z.string()]))),
      );
      responses["101"] = {
        description:
          "Switching protocols to a WebSocket (terminal protocol: binary frames are bytes, text frames JSON messages)",
      };
    } else {
      const input = r.input ?? {};
      op.parameters = [
        ...parameters("path", input.params),
        ...parameters("query", input.query),
        ...parameters("header", input.headers),
      ];
      if (input.body)
        op.requestBody = { required: true, content: { "application/json": { schema: schemaOf(input.body, "input") } } };
      const status = String(r.status ?? (r.response || r.produces ? 200 : 204));
      if (r.produces) responses[status] = { description: "OK", content: { [r.produces]: {} } };
      else if (r.response)
        responses[status] = {
          description: "OK",
          content: { "application/json": { schema: schemaOf(r.response, "output") } },
        };
      else responses[status] = { description: "No content" };
      if (input.params || input.query || input.headers || input.body) responses["400"] = problem("Invalid input");
    }
    if (r.auth.kind !== "public") {
      responses["401"] = problem("Not signed in");
      op.security = [{ session: [] }];
      // A route that names a scope also takes an API token carrying it (OAuth-style scopes on a bearer scheme).
      if (!r.upgrade && r.scope) {
        op.security = [{ session: [] }, { token: [r.scope] }];
        op["x-token-scope"] = r.scope;
        responses["403"] = problem("The caller's role may not do this, or the token lacks the scope");
      }
    }
    if (r.auth.kind === "roles" || (r.auth.kind === "owner" && r.auth.roles))
      responses["403"] = problem("The caller's role may not do this");
    if (r.auth.kind === "owner") responses["404"] = problem(`No such ${r.auth.resource}, or not the caller's`);
    if (r.method !== "get") responses["403"] ??= problem("Cross-origin or missing CSRF token");
    op.responses = responses;
    (paths[`/api${openApiPath(r.path)}`] ??= {})[r.method] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Backlab API",
      version: info.version,
      description: "The REST API of a Backlab training lab. Every error is problem+json (RFC 9457).",
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Problem },
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "backlab_session" },
        token: {
          type: "http",
          scheme: "bearer",
          description: "A personal API token (blt_…, Account page); accepted only where an operation lists its scope",
        },
      },
    },
  };
}
