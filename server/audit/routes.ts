import { z } from "zod";
import { roles, route, type Route } from "../http/routes.ts";
import type { AuditLog } from "./service.ts";

export const AuditEntryOut = z.object({
  id: z.number().int(),
  at: z.string(),
  actorId: z.number().int().nullable(),
  action: z.string(),
  target: z.object({ kind: z.string(), id: z.string() }).nullable(),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});

const AuditQueryIn = z.strictObject({
  action: z
    .string()
    .max(100)
    .regex(/^[a-z][a-z0-9.-]*$/, "an action name or its prefix, like cohort or user.role")
    .optional(),
  actor: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31)
    .optional(),
  targetKind: z.string().max(40).optional(),
  targetId: z.string().max(100).optional(),
  before: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Reading the audit log: admins only. Writing happens inside the features that act. */
export function auditRoutes(audit: AuditLog): Route[] {
  return [
    route({
      method: "get",
      path: "/admin/audit",
      scope: "audit:read",
      summary: "The audit log, newest first: filter by action (or its prefix), actor or target; page with `before`",
      tag: "admin",
      auth: roles("admin"),
      input: { query: AuditQueryIn },
      response: z.object({ entries: z.array(AuditEntryOut), next: z.number().int().nullable() }),
      handler: ({ input }) => {
        const q = input.query;
        const entries = audit.list({
          action: q.action,
          actorId: q.actor,
          targetKind: q.targetKind,
          targetId: q.targetId,
          before: q.before,
          limit: q.limit,
        });
        return { entries, next: entries.length === q.limit ? entries[entries.length - 1]!.id : null };
      },
    }),
  ];
}
