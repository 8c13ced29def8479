import { Router, type Response } from "express";
import { findClient, type Client } from "./clients.ts";
import type { AuthorizeErrorCode } from "./errors.ts";
import { issueCode } from "./grants.ts";
import { CHALLENGE } from "./pkce.ts";
import { currentUser } from "./users.ts";

// GET /authorize (RFC 6749 §4.1.1, RFC 7636 §4.3, OAuth 2.1 §4.1.1).
//
// The order of the checks is the security of this endpoint. Until the client and its redirect
// URI are known to be good, an error is shown here (400) and never redirected: redirecting to
// an unchecked URI turns the server into an open redirector that also leaks codes.

export const authorizeRouter = Router();

/** A query parameter's single value; undefined when absent or empty, null when repeated. */
function param(query: Record<string, unknown>, name: string): string | undefined | null {
  const v = query[name];
  if (v === undefined || v === "") return undefined;
  return typeof v === "string" ? v : null;
}

/** The request cannot be trusted to say where to send an error: answer it here. */
function refuse(res: Response, description: string) {
  res.status(400).set("Cache-Control", "no-store").json({ error: "invalid_request", error_description: description });
}

/** Sends the browser back to the (validated) redirect URI, keeping any query it already has. */
function redirectBack(res: Response, redirectUri: string, params: Record<string, string | undefined>) {
  const target = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.append(k, v);
  res.set("Cache-Control", "no-store").redirect(302, target.href);
}

/** Which redirect URI the request means, or an error to show (not redirect). */
function resolveRedirectUri(client: Client, requested: string | undefined | null): string | { problem: string } {
  if (requested === null) return { problem: "redirect_uri is repeated" };
  if (requested === undefined) {
    if (client.redirectUris.length === 1) return client.redirectUris[0]!;
    return { problem: "redirect_uri is required: this client registered more than one" };
  }
  // Exact string comparison (OAuth 2.1 §2.3.1): no prefixes, no patterns, no normalization.
  return client.redirectUris.includes(requested) ? requested : { problem: "redirect_uri is not registered for this client" };
}

authorizeRouter.get("/authorize", (req, res) => {
  const query = req.query as Record<string, unknown>;
  const clientId = param(query, "client_id");
  const client = typeof clientId === "string" ? findClient(clientId) : undefined;
  if (!client) return refuse(res, clientId ? "unknown client_id" : "client_id is required");
  const requestedRedirectUri = param(query, "redirect_uri");
  const redirectUri = resolveRedirectUri(client, requestedRedirectUri);
  if (typeof redirectUri !== "string") return refuse(res, redirectUri.problem);

  // From here on errors go back to the client, with its state (RFC 6749 §4.1.2.1).
  const state = param(query, "state");
  const fail = (error: AuthorizeErrorCode, description: string) => redirectBack(res, redirectUri, { error, error_description: description, state: state ?? undefined });
  if (state === null) return fail("invalid_request", "state is repeated");

  const responseType = param(query, "response_type");
  if (responseType === undefined || responseType === null) return fail("invalid_request", "response_type is required (once)");
  if (responseType !== "code") return fail("unsupported_response_type", "only response_type=code is supported");

  const challenge = param(query, "code_challenge");
  const method = param(query, "code_challenge_method");
  if (typeof challenge !== "string") return fail("invalid_request", "code_challenge is required");
  // A missing method means "plain" (RFC 7636 §4.3), which this server does not accept.
  if (method !== "S256") return fail("invalid_request", "code_challenge_method must be S256");
  if (!CHALLENGE.test(challenge)) return fail("invalid_request", "code_challenge must be 43 base64url characters");

  const scopeParam = param(query, "scope");
  if (scopeParam === null) return fail("invalid_request", "scope is repeated");
  const scopes = scopeParam === undefined ? client.defaultScope.split(" ") : scopeParam.split(" ").filter(Boolean);

  const user = currentUser(req);
  if (!user) {
    // Where a real server would show its login page.
    res.status(401).json({ error: "login_required", error_description: "log in first (X-Demo-User header)" });
    return;
  }

  const code = issueCode({ clientId: client.id, userId: user, scope: [...new Set(scopes)].join(" "), codeChallenge: challenge, requestedRedirectUri: requestedRedirectUri ?? null, redirectUri });
  redirectBack(res, redirectUri, { code, state: state ?? undefined });
});
