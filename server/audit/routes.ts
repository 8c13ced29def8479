import { z } from "zod";
import { roles, route, type Route } from "../http/routes.ts";
import { csvField } from "../cohorts/exports.ts";
import { rateLimit } from "../http/guards.ts";
import type { AuditEntry, AuditLog } from "./service.ts";

/** At most this many rows in one CSV export (newest first); narrow the filters for more. */
export const EXPORT_MAX_ROWS = 50_000;

function auditCsv(entries: AuditEntry[], actors: Map<number, string>): string {
  const line = (f: (string | number | null)[]) => f.map(csvField).join(",") + "\r\n";
  let out = line(["id", "at", "actor_id", "actor_email", "action", "target_kind", "target_id", "ip", "details"]);
  for (const e of entries)
    out += line([
      e.id,
      e.at,
      e.actorId,
      e.actorId === null ? null : (actors.get(e.actorId) ?? null),
      e.action,
      e.target?.kind ?? null,
      e.target?.id ?? null,
      e.ip,
      JSON.stringify(e.details),
    ]);
  return out;
}

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

const ExportQueryIn = AuditQueryIn.omit({ before: true, limit: true }).extend({ format: z.literal("csv") });

/** Reading the audit log: admins only. Writing happens inside the features that act. */
export function auditRoutes(audit: AuditLog, actorEmails: (ids: number[]) => Map<number, string>): Route[] {
  const exportsPerAdmin = rateLimit({
    windowMs: 60_000,
    max: 10,
    key: (_req, res) => `audit-export:${res.locals.user?.id}`,
  });
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
    route({
      method: "get",
      path: "/admin/audit/export",
      scope: "audit:read",
      summary: `The audit log as CSV (the same filters; newest first, at most ${EXPORT_MAX_ROWS} rows); the export is audited`,
      tag: "admin",
      auth: roles("admin"),
      before: [exportsPerAdmin],
      input: { query: ExportQueryIn },
      produces: "text/csv",
      handler: ({ input, me, req, res }) => {
        const q = input.query;
        const filters = { action: q.action, actorId: q.actor, targetKind: q.targetKind, targetId: q.targetId };
        const entries = audit.list({ ...filters, limit: EXPORT_MAX_ROWS });
        const ids = [...new Set(entries.map((e) => e.actorId).filter((id): id is number => id !== null))];
        // Recorded before the answer: an export that was sent is never missing from the log.
        audit.record({
          actorId: me.id,
          action: "audit.export",
          details: {
            filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
            rows: entries.length,
          },
          ip: req.ip,
        });
        res
          .status(200)
          .type("text/csv; charset=utf-8")
          .setHeader(
            "Content-Disposition",
            `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`,
          );
        res.send(auditCsv(entries, actorEmails(ids)));
      },
    }),
  ];
}
