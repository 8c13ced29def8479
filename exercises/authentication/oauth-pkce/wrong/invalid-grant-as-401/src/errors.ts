// OAuth error responses (RFC 6749 §4.1.2.1 and §5.2): a registered `error` code plus a short
// human-readable `error_description`.

export type AuthorizeErrorCode = "invalid_request" | "unauthorized_client" | "access_denied" | "unsupported_response_type" | "invalid_scope" | "server_error";
export type TokenErrorCode = "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope";

/** An error of the token endpoint: answered as JSON, 400 (401 for invalid_client). */
export class TokenError extends Error {
  constructor(
    readonly error: TokenErrorCode,
    readonly description: string,
  ) {
    super(description);
  }

  get status(): number {
    return this.error === "invalid_client" || this.error === "invalid_grant" ? 401 : 400;
  }
}
