import crypto from "node:crypto";
import express, { Router } from "express";
import { findClient } from "./clients.ts";
import { findCode, issueAccessToken } from "./grants.ts";
import { checkPassword } from "./users.ts";

// POST /token: trades a code (or a username and password) for an access token.

export const tokenRouter = Router();

tokenRouter.post("/token", express.urlencoded({ extended: false }), express.json(), (req, res) => {
  const body = req.body ?? {};

  if (body.grant_type === "password") {
    // For the mobile app's login screen.
    if (!checkPassword(body.username, body.password)) return res.status(401).json({ message: "wrong username or password" });
    const { token, expiresIn } = issueAccessToken(body.username, body.client_id, "profile");
    return res.json({ access_token: token, token_type: "Bearer", expires_in: expiresIn });
  }

  const grant = findCode(body.code);
  if (!grant || grant.expiresAt < Date.now()) return res.status(401).json({ message: "invalid code" });
  if (!findClient(body.client_id)) return res.status(401).json({ message: "unknown client" });
  if (grant.codeChallenge) {
    const computed = grant.codeChallengeMethod === "S256" ? crypto.createHash("sha256").update(String(body.code_verifier)).digest("base64url") : body.code_verifier;
    if (computed !== grant.codeChallenge) return res.status(401).json({ message: "PKCE verification failed" });
  }
  const { token, expiresIn } = issueAccessToken(grant.userId, grant.clientId, grant.scope);
  res.json({ access_token: token, token_type: "Bearer", expires_in: expiresIn, scope: grant.scope });
});
