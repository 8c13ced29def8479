// The service's settings, read from the environment once, here.
const env = process.env;

export const config = {
  port: Number(env.PORT ?? 3000),
  host: env.HOST ?? "127.0.0.1",
  // Introspection lets tools (GraphiQL, codegen) read the schema. It is on while developing
  // and off in production, where the schema should not be handed to anyone who asks; set
  // GRAPHQL_INTROSPECTION=true or false to decide explicitly.
  introspection: env.GRAPHQL_INTROSPECTION ? env.GRAPHQL_INTROSPECTION === "true" : env.NODE_ENV !== "production",
};
