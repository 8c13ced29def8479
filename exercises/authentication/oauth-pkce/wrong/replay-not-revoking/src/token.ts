import express, { Router, type Response } from "express";
import { findClient } from "./clients.ts";
import { now } from "./clock.ts";
import { TokenError } from "./errors.ts";
import { findCode, redeem } from "./grants.ts";
import { VERIFIER, verifierMatches } from "./pkce.ts";

// POST /token (RFC 6749 §4.1.3 and §5, RFC 7636 §4.5–4.6): the authorization_code grant only.
// OAuth 2.1 drops the implicit and the password grant; this server never had them.

export const tokenRouter = Router();

/** A form field's single value; undefined when absent or empty, and repeating one is an error. */
function field(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw new TokenError("invalid_request", `${name} is repeated`);
  return v;
}

function required(body: Record<string, unknown>, name: string): string {
  const v = field(body, name);
  if (v === undefined) throw new TokenError("invalid_request", `${name} is required`);
  return v;
}

function noStore(res: Response): Response {
  // Token answers must never be cached (RFC 6749 §5.1).
  return res.set("Cache-Control", "no-store").set("Pragma", "no-cache");
}

tokenRouter.post("/token", express.urlencoded({ extended: false, limit: "10kb", parameterLimit: 20 }), (req, res) => {
  if (!req.is("application/x-www-form-urlencoded")) throw new TokenError("invalid_request", "send the parameters as application/x-www-form-urlencoded");
  const body = (req.body ?? {}) as Record<string, unknown>;
  const grantType = required(body, "grant_type");
  if (grantType !== "authorization_code") throw new TokenError("unsupported_grant_type", "only grant_type=authorization_code is supported");
  const code = required(body, "code");
  const clientId = required(body, "client_id");
  const verifier = required(body, "code_verifier");
  const redirectUri = field(body, "redirect_uri");
  if (!findClient(clientId)) throw new TokenError("invalid_client", "unknown client");
  if (!VERIFIER.test(verifier)) throw new TokenError("invalid_request", "code_verifier must be 43 to 128 unreserved characters");

  const grant = findCode(code);
  if (!grant) throw new TokenError("invalid_grant", "unknown authorization code");
  if (grant.redeemed) {
    throw new TokenError("invalid_grant", "authorization code already used");
  }
  if (now() >= grant.expiresAt) throw new TokenError("invalid_grant", "authorization code expired");
  if (grant.clientId !== clientId) throw new TokenError("invalid_grant", "authorization code was issued to another client");
  // If the authorization request named a redirect_uri, the token request must repeat it.
  if (grant.requestedRedirectUri !== null ? redirectUri !== grant.requestedRedirectUri : redirectUri !== undefined && redirectUri !== grant.redirectUri) {
    throw new TokenError("invalid_grant", "redirect_uri does not match the authorization request");
  }
  if (!verifierMatches(verifier, grant.codeChallenge)) throw new TokenError("invalid_grant", "code_verifier does not match the code_challenge");

  const { token, expiresIn } = redeem(grant);
  noStore(res).json({ access_token: token, token_type: "Bearer", expires_in: expiresIn, scope: grant.scope });
});

/** Token endpoint errors: JSON, never a redirect, never cached. */
export function sendTokenError(res: Response, err: TokenError): void {
  noStore(res).status(err.status).json({ error: err.error, error_description: err.description });
}
