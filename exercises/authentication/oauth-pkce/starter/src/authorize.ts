import { Router } from "express";
import { findClient } from "./clients.ts";
import { issueCode, issueAccessToken } from "./grants.ts";
import { currentUser } from "./users.ts";

// GET /authorize: the front door of the authorization code flow (and the implicit flow).

export const authorizeRouter = Router();

authorizeRouter.get("/authorize", (req, res) => {
  const q = req.query as Record<string, string | undefined>;
  const redirectUri = q.redirect_uri;
  const fail = (error: string) => res.redirect(`${redirectUri}?error=${error}&state=${q.state}`);

  if (q.response_type !== "code" && q.response_type !== "token") return fail("unsupported_response_type");
  const client = findClient(q.client_id ?? "");
  if (!client) return fail("unauthorized_client");
  const target = redirectUri ?? client.redirectUris[0]!;
  if (!client.redirectUris.some((uri) => target.startsWith(uri))) return fail("invalid_request");

  const user = currentUser(req);
  if (!user) {
    res.status(401).json({ error: "login_required", error_description: "log in first (X-Demo-User header)" });
    return;
  }
  const scope = q.scope ?? client.defaultScope;

  if (q.response_type === "token") {
    // The implicit flow: the token goes straight into the redirect.
    const { token, expiresIn } = issueAccessToken(user, client.id, scope);
    return res.redirect(`${target}#access_token=${token}&token_type=Bearer&expires_in=${expiresIn}&state=${q.state}`);
  }

  const code = issueCode({
    clientId: client.id,
    userId: user,
    scope,
    codeChallenge: q.code_challenge ?? null,
    codeChallengeMethod: q.code_challenge ? (q.code_challenge_method ?? "plain") : null,
    redirectUri: target,
  });
  res.redirect(`${target}?code=${code}&state=${q.state}`);
});
