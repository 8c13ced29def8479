import type { Role } from "../accounts/schema.ts";

/**
 * What an API token may be used for. A route that accepts tokens names one scope (its
 * `scope` in the route table); a token without it is refused there, and a route naming none
 * accepts no token at all. The roles are who may put the scope on a token: a token never
 * does more than its owner's role allows, whatever its scopes say.
 */
export const SCOPES = {
  "exercises:read": { summary: "Read the catalog and exercises", roles: ["admin", "instructor", "learner"] },
  "progress:read": { summary: "Read progress (yours; staff: learners')", roles: ["admin", "instructor", "learner"] },
  "results:read": { summary: "Read submissions and their results", roles: ["admin", "instructor", "learner"] },
  "cohorts:read": { summary: "Read cohorts, leaderboards and exports", roles: ["admin", "instructor"] },
  "assessments:read": { summary: "Read assessments, candidates and exports", roles: ["admin", "instructor"] },
  "invites:write": { summary: "Create invites (lab, cohort, assessment)", roles: ["admin", "instructor"] },
  "users:read": { summary: "Read the user list", roles: ["admin"] },
  "audit:read": { summary: "Read the audit log", roles: ["admin"] },
} as const satisfies Record<string, { summary: string; roles: readonly Role[] }>;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as [Scope, ...Scope[]];

export const scopesFor = (role: Role): Scope[] =>
  SCOPE_NAMES.filter((s) => (SCOPES[s].roles as readonly Role[]).includes(role));
