import { z } from "zod";
import { rateLimit } from "../http/guards.ts";
import { owner, roles, route, signedIn, type Route } from "../http/routes.ts";
import { SCOPE_NAMES, SCOPES, scopesFor } from "./scopes.ts";
import type { ApiTokens } from "./service.ts";

export const TokenOut = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(SCOPE_NAMES)),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.string().nullable(),
  lastUsedIp: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const TokenBody = z.strictObject({
  name: z.string().trim().min(1).max(60),
  scopes: z.array(z.enum(SCOPE_NAMES)).min(1).max(SCOPE_NAMES.length),
  /** Days until it expires: every token does. */
  days: z.number().int().min(1).max(365).default(30),
});
export const AdminTokenOut = TokenOut.extend({ owner: z.object({ id: z.number().int(), email: z.string() }) });
export const ScopeOut = z.object({ name: z.enum(SCOPE_NAMES), summary: z.string() });

/**
 * Managing personal API tokens. These routes take a session, never a token (they name no
 * scope): a leaked token cannot mint another or keep itself alive.
 */
export function tokenRoutes(tokens: ApiTokens): Route[] {
  const perUser = rateLimit({ windowMs: 60_000, max: 10, key: (_req, res) => `tokens:${res.locals.user?.id}` });
  return [
    route({
      method: "get",
      path: "/tokens",
      summary: "Your API tokens (never their secrets) and the scopes your role may give one",
      tag: "tokens",
      auth: signedIn,
      response: z.object({ tokens: z.array(TokenOut), scopes: z.array(ScopeOut) }),
      handler: ({ me }) => ({
        tokens: tokens.list(me.id),
        scopes: scopesFor(me.role).map((name) => ({ name, summary: SCOPES[name].summary })),
      }),
    }),
    route({
      method: "post",
      path: "/tokens",
      summary: "Create an API token; its secret is in this answer only",
      tag: "tokens",
      auth: signedIn,
      before: [perUser],
      input: { body: TokenBody },
      status: 201,
      response: z.object({ token: TokenOut, secret: z.string() }),
      handler: ({ input, me, req }) => tokens.create(me, input.body, req.ip),
    }),
    route({
      method: "get",
      path: "/admin/tokens",
      summary: "Everyone's API tokens (never their secrets), newest first, with their owners: live ones, or all",
      tag: "admin",
      auth: roles("admin"),
      input: {
        query: z.strictObject({
          all: z.enum(["true", "false"]).default("false"),
          limit: z.coerce.number().int().min(1).max(1000).default(500),
        }),
      },
      response: z.object({ tokens: z.array(AdminTokenOut) }),
      handler: ({ input }) => ({
        tokens: tokens.listAll({ all: input.query.all === "true", limit: input.query.limit }),
      }),
    }),
    route({
      method: "delete",
      path: "/tokens/:id",
      summary: "Revoke an API token (at once); admins may revoke anyone's",
      tag: "tokens",
      auth: owner("token", { staff: ["admin"] }),
      ownerOf: (i) => tokens.ownerOf(i.params.id),
      input: {
        params: z.object({
          id: z.coerce
            .number()
            .int()
            .positive()
            .max(2 ** 53),
        }),
      },
      response: z.object({ token: TokenOut }),
      handler: ({ input, me, req }) => ({ token: tokens.revoke(input.params.id, me.id, req.ip) }),
    }),
  ];
}
