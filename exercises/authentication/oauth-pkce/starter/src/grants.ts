import crypto from "node:crypto";
import { ACCESS_TOKEN_TTL_SECONDS } from "./config.ts";

// Authorization codes and access tokens, in memory.

export type AuthorizationCode = {
  clientId: string;
  userId: string;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  redirectUri: string;
  expiresAt: number;
};

export type AccessToken = { userId: string; clientId: string; scope: string; expiresAt: number };

const codes = new Map<string, AuthorizationCode>();
const accessTokens = new Map<string, AccessToken>();

export function issueCode(grant: Omit<AuthorizationCode, "expiresAt">): string {
  const code = Math.random().toString(36).slice(2);
  codes.set(code, { ...grant, expiresAt: Date.now() + 10 * 60 * 1000 });
  return code;
}

export function findCode(code: string): AuthorizationCode | undefined {
  return codes.get(code);
}

export function issueAccessToken(userId: string, clientId: string, scope: string): { token: string; expiresIn: number } {
  const token = crypto.randomBytes(32).toString("base64url");
  accessTokens.set(token, { userId, clientId, scope, expiresAt: Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000 });
  return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

export function findAccessToken(token: string): AccessToken | undefined {
  return accessTokens.get(token);
}
