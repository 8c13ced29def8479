// Two kinds of errors leave this service. Errors meant for the client (a bad argument, a query
// over the limits) are GraphQLErrors we create, with a message and an `extensions.code` the
// client can act on. Anything else (a failing data layer, a bug) is logged here in full and
// answered as a bare "Internal server error": its message and stack describe our internals.
import { GraphQLError, type GraphQLFormattedError } from "graphql";

/** A client mistake in an argument: the message tells them what to change. */
export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });
}

/** What the client sees of an error: never a stack trace, never an unexpected error's message. */
export function formatError(error: GraphQLError): GraphQLFormattedError {
  const original = error.originalError;
  // No original error: graphql-js made this one (syntax, validation). A GraphQLError as the
  // original: one of ours, thrown in a resolver. Both are safe to show as they are.
  if (!original || original instanceof GraphQLError) return error.toJSON();
  console.error(`GraphQL ${error.path ? `at ${error.path.join(".")}` : "request"} failed:`, original);
  return {
    message: "Internal server error",
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
    // The stack helps whoever reads the answer find the bug.
    extensions: { code: "INTERNAL_SERVER_ERROR", stacktrace: original.stack?.split("\n") },
  };
}
