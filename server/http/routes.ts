import type { Request, RequestHandler, Response, Router } from "express";
import { z } from "zod";
import type { Role, User } from "../accounts/schema.ts";
import { forbidden, notFound, Problem, unauthorized } from "../errors.ts";
import type { Scope } from "../tokens/scopes.ts";
import type { TokenAuth } from "../tokens/service.ts";
import { validate } from "./validate.ts";

/**
 * The lab's REST surface as data. Every route says who may call it (`auth`), what it accepts
 * (zod schemas) and what it answers; one function mounts the table on Express, one turns it
 * into the OpenAPI document, and the authorization matrix test derives every expected
 * 401/403/404 from the same rules. A route that is not in the table does not exist.
 */

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** Things a user owns; each kind needs a fixture builder in the authorization matrix. */
export type ResourceKind =
  "workspace" | "submission" | "recording" | "session" | "cohort" | "membership" | "assessment" | "token" | "webhook";

export type Schemas = { params?: z.ZodType; query?: z.ZodType; headers?: z.ZodType; body?: z.ZodType };

export type Parsed<S extends Schemas> = {
  [K in keyof Required<Schemas>]: S[K] extends z.ZodType ? z.output<S[K]> : undefined;
};

/**
 * Who may call a route.
 * - `public`: anyone, signed in or not.
 * - `signed-in`: any signed-in user (every role); what it touches is scoped to that user.
 * - `roles`: signed in with one of these roles; anyone else signed in gets 403.
 * - `owner`: signed in, and the route's `ownerOf(input)` (the owner's user id, looked up from
 *   the validated input) is the caller, or the caller has one of the `staff` roles. Anyone
 *   else, and a resource that does not exist, get the same 404: ids are not an oracle. With
 *   `roles`, other roles are stopped first (403), as by a `roles` rule.
 *
 * Candidates (assessments) are confined apart from the rule: a route they may call says
 * `candidates: true`; every other route answers a candidate 404, as if it did not exist.
 */
export type Rule =
  | { kind: "public" }
  | { kind: "signed-in" }
  | { kind: "roles"; roles: readonly Role[] }
  | { kind: "owner"; resource: ResourceKind; staff: readonly Role[]; roles?: readonly Role[] };

export const anyone = { kind: "public" } as const satisfies Rule;
export const signedIn = { kind: "signed-in" } as const satisfies Rule;
export const roles = (...r: Role[]): Rule => ({ kind: "roles", roles: r });
export function owner(resource: ResourceKind, opts: { staff?: Role[]; roles?: Role[] } = {}): Rule {
  return { kind: "owner", resource, staff: opts.staff ?? [], ...(opts.roles ? { roles: opts.roles } : {}) };
}

export type HandlerContext<I> = {
  input: I;
  /** The signed-in user, if any (always set unless the rule is `public`). */
  user: User | undefined;
  /** The signed-in user; reading it on a `public` route with nobody signed in throws 401. */
  me: User;
  req: Request;
  res: Response;
};

/** A handler returns the JSON body (sent with `status`), or nothing: 204, or it wrote the response itself (streams). */
export type Handler<I> = (ctx: HandlerContext<I>) => unknown;

export type RouteDef<S extends Schemas> = {
  method: Method;
  /** Express path under /api, e.g. `/submissions/:id`. */
  path: string;
  summary: string;
  tag: string;
  auth: Rule;
  /**
   * For an `owner` rule: the owning user's id (or the ids of everyone who owns it, e.g. a
   * cohort's instructors), or undefined when the resource does not exist.
   */
  ownerOf?: (input: Parsed<S>) => number | readonly number[] | undefined;
  input?: S;
  /** Success status when the handler returns a body (default 200; 204 when it returns nothing). */
  status?: number;
  /** The success body; checked against every response outside production, and documented. */
  response?: z.ZodType;
  /** Content type of a body the handler writes itself (streams); nothing is sent for it. */
  produces?: string;
  /** Extra middleware after the auth guard and before validation (rate limits). */
  before?: RequestHandler[];
  /** A candidate may call it (the access policy still decides what it touches); else 404 to them. */
  candidates?: boolean;
  /**
   * The API token scope that lets a token call it (`Authorization: Bearer blt_…`), on top of
   * the rule, which the token's owner must pass. A route without one takes no token.
   */
  scope?: Scope;
  handler: Handler<Parsed<S>>;
};

/** A WebSocket upgrade handled outside Express; listed so it is documented and in the matrix. */
export type UpgradeDef = {
  method: "get";
  path: string;
  summary: string;
  tag: string;
  auth: Rule;
  candidates?: boolean;
  upgrade: true;
};

export type Route = (RouteDef<Schemas> & { upgrade?: undefined }) | UpgradeDef;

/** Declares a route; a function only so TypeScript infers the input type from the schemas. */
export function route<S extends Schemas = Record<never, never>>(def: RouteDef<S>): Route {
  return def as unknown as Route;
}

export const routeId = (r: Pick<Route, "method" | "path">) => `${r.method.toUpperCase()} ${r.path}`;

/** True when the user passes the rule's sign-in and role parts (ownership is checked later). */
function guard(rule: Rule, candidates: boolean): RequestHandler {
  return (req, res, next) => {
    const user = res.locals.user;
    // The same answer as a route that does not exist: a candidate learns nothing of the rest.
    if (user?.role === "candidate" && !candidates) return next(notFound(`The route ${req.method} ${req.path}`));
    if (rule.kind === "public") return next();
    if (!user) return next(unauthorized());
    const gate = rule.kind === "roles" ? rule.roles : rule.kind === "owner" ? rule.roles : undefined;
    if (gate && !gate.includes(user.role)) return next(forbidden("Your role may not do this."));
    next();
  };
}

/** Applies an `owner` rule to a request whose input is already validated. */
export function mayTouch(
  rule: Rule,
  ownerOf: ((input: never) => number | readonly number[] | undefined) | undefined,
  user: User | undefined,
  input: unknown,
): void {
  if (rule.kind !== "owner") return;
  if (!user) throw unauthorized();
  const owners = ownerOf!(input as never);
  if (owners === undefined) throw notFound(`The ${rule.resource}`);
  const owns = typeof owners === "number" ? owners === user.id : owners.includes(user.id);
  if (!owns && !rule.staff.includes(user.role)) throw notFound(`The ${rule.resource}`);
}

export type MountOptions = {
  /** Check every JSON body a handler returns against its `response` schema (not in production). */
  checkResponses: boolean;
  /** Resolves API tokens; without it no route takes one. */
  tokens?: { resolve(secret: string, ip: string | undefined): TokenAuth | null };
};

const BEARER_TOKEN = /^Bearer\s+(blt_\S*)\s*$/i;

/**
 * A lab API token in `Authorization` stands in for the session on a route that names a scope
 * and is refused everywhere else but on public routes (where it changes nothing): a token
 * never reaches what is meant for a signed-in browser (sessions, passwords, tokens).
 */
function bearer(def: RouteDef<Schemas>, tokens: MountOptions["tokens"]): RequestHandler {
  return (req, res, next) => {
    const secret = BEARER_TOKEN.exec(req.headers.authorization ?? "")?.[1];
    if (!secret || !tokens || def.auth.kind === "public") return next();
    if (!def.scope)
      return next(
        new Problem(
          403,
          "token-not-accepted",
          "API tokens are not accepted here",
          `${routeId(def)} is for a signed-in session; API tokens work only on routes that name a scope.`,
        ),
      );
    const found = tokens.resolve(secret, req.ip);
    if (!found) {
      res.setHeader("WWW-Authenticate", 'Bearer error="invalid_token"');
      return next(new Problem(401, "invalid-token", "Invalid token", "The API token is unknown, expired or revoked."));
    }
    if (!found.scopes.includes(def.scope)) {
      res.setHeader("WWW-Authenticate", `Bearer error="insufficient_scope", scope="${def.scope}"`);
      return next(
        new Problem(403, "insufficient-scope", "Insufficient scope", `This route needs a token with ${def.scope}.`),
      );
    }
    res.locals.user = found.user;
    res.locals.session = undefined;
    res.locals.token = { id: found.id, scopes: found.scopes };
    next();
  };
}

/** Mounts the table on a router: guard, rate limits, validation, ownership, handler, JSON out. */
export function mountRoutes(router: Router, routes: readonly Route[], opts: MountOptions): void {
  const seen = new Set<string>();
  for (const r of routes) {
    const id = routeId(r);
    if (seen.has(id)) throw new Error(`route declared twice: ${id}`);
    seen.add(id);
    if (!r.auth) throw new Error(`route without an auth rule: ${id}`);
    if (r.upgrade) continue;
    const def = r;
    if (def.auth.kind === "owner" && !def.ownerOf) throw new Error(`owner rule without ownerOf: ${id}`);
    router[def.method](
      def.path,
      bearer(def, opts.tokens),
      guard(def.auth, def.candidates === true),
      ...(def.before ?? []),
      validate(def.input ?? {}),
      async (req, res) => {
        const input = {
          params: undefined,
          query: undefined,
          headers: undefined,
          body: undefined,
          ...(res.locals.input as object),
        } as Parsed<Schemas>;
        mayTouch(def.auth, def.ownerOf, res.locals.user, input);
        const user = res.locals.user;
        const ctx = { input, user, req, res } as HandlerContext<Parsed<Schemas>>;
        Object.defineProperty(ctx, "me", { get: () => user ?? raise(unauthorized()) });
        const body = await def.handler(ctx);
        // A streaming route (`produces`) answers by itself, possibly after this returns.
        if (def.produces || res.headersSent || res.writableEnded) return;
        if (body === undefined) {
          res.status(def.status ?? 204).end();
          return;
        }
        if (opts.checkResponses && def.response) {
          const checked = def.response.safeParse(body);
          if (!checked.success)
            throw new Error(`${id} answered a body its response schema refuses: ${z.prettifyError(checked.error)}`);
        }
        res.status(def.status ?? 200).json(body);
      },
    );
  }
}

/** What the matrix expects of a caller: allowed through the rule, or the status that stops them. */
export type Expected = "allowed" | 401 | 403 | 404;

export function expectedAccess(rule: Rule, actor: Role | null, ownResource: boolean, candidates = false): Expected {
  if (actor === "candidate" && !candidates) return 404;
  if (rule.kind === "public") return "allowed";
  if (actor === null) return 401;
  if (rule.kind === "signed-in") return "allowed";
  if (rule.kind === "roles") return rule.roles.includes(actor) ? "allowed" : 403;
  if (rule.roles && !rule.roles.includes(actor)) return 403;
  return ownResource || rule.staff.includes(actor) ? "allowed" : 404;
}

/**
 * What the matrix expects of a bearer token (no session) owned by `owner`: public routes let
 * it through as anyone; a route with no scope refuses it (403); one with a scope refuses a
 * token without it (403) and otherwise applies its rule to the token's owner.
 */
export function expectedTokenAccess(
  r: Pick<RouteDef<Schemas>, "auth" | "scope" | "candidates">,
  owner: Role,
  hasScope: boolean,
  ownResource: boolean,
): Expected {
  if (r.auth.kind === "public") return expectedAccess(r.auth, null, false, r.candidates === true);
  if (!r.scope || !hasScope) return 403;
  return expectedAccess(r.auth, owner, ownResource, r.candidates === true);
}

export function describeRule(rule: Rule): string {
  switch (rule.kind) {
    case "public":
      return "public";
    case "signed-in":
      return "signed-in (any role)";
    case "roles":
      return `roles: ${rule.roles.join(", ")}`;
    case "owner":
      return `${rule.roles ? `roles: ${rule.roles.join(", ")}; ` : ""}owner of the ${rule.resource}${rule.staff.length ? ` (or ${rule.staff.join(", ")})` : ""}`;
  }
}

function raise(p: Problem): never {
  throw p;
}
