import type { Database } from "../db/database.ts";

/**
 * The lab's audit log: an append-only record of who did what (DESIGN.md "Data"). Features call
 * `record()` inside the request (or transaction) that makes the change, so an action and its
 * row land together. Actions are dotted names, feature first: `user.role`, `invite.create`,
 * `cohort.takeover.start`, `assessment.name.view`.
 */

export type AuditTarget = { kind: string; id: string | number };

export type AuditEntry = {
  id: number;
  at: string;
  actorId: number | null;
  action: string;
  /** Ids come back as text, whatever their kind (users and invites are numbers, sessions are not). */
  target: { kind: string; id: string } | null;
  details: Record<string, unknown>;
  ip: string | null;
};

export type AuditQuery = {
  action?: string;
  actorId?: number;
  targetKind?: string;
  targetId?: string;
  /** Entries with an id below this one (paging backwards from the newest). */
  before?: number;
  limit?: number;
};

type Row = {
  id: number;
  at: string;
  actor_id: number | null;
  action: string;
  target_kind: string | null;
  target_id: string | null;
  details: string;
  ip: string | null;
};

/** Details bigger than this are a caller's bug, not something to store. */
export const MAX_DETAILS_BYTES = 4096;
const ACTION = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

export class AuditLog {
  constructor(private readonly db: Database) {}

  record(e: {
    actorId: number | null;
    action: string;
    target?: AuditTarget;
    details?: Record<string, unknown>;
    ip?: string;
  }): number {
    if (!ACTION.test(e.action)) throw new Error(`audit action must be dotted lowercase words: ${e.action}`);
    const details = JSON.stringify(e.details ?? {});
    if (Buffer.byteLength(details) > MAX_DETAILS_BYTES)
      throw new Error(`audit details for ${e.action} exceed ${MAX_DETAILS_BYTES} bytes`);
    const r = this.db.run(
      "INSERT INTO audit_log (at, actor_id, action, target_kind, target_id, details, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [
        new Date().toISOString(),
        e.actorId,
        e.action,
        e.target?.kind ?? null,
        e.target ? String(e.target.id) : null,
        details,
        e.ip ?? null,
      ],
    );
    return Number(r.lastInsertRowid);
  }

  /** Newest first. */
  list(q: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      where.push(sql);
      params.push(v);
    };
    if (q.action) {
      // `cohort` matches `cohort.*`; a full name matches itself.
      where.push("(action = ? OR action LIKE ? ESCAPE '\\')");
      params.push(q.action, q.action.replace(/[\\%_]/g, (c) => "\\" + c) + ".%");
    }
    if (q.actorId !== undefined) add("actor_id = ?", q.actorId);
    if (q.targetKind) add("target_kind = ?", q.targetKind);
    if (q.targetId) add("target_id = ?", q.targetId);
    if (q.before !== undefined) add("id < ?", q.before);
    const sql = `SELECT * FROM audit_log ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`;
    return this.db.all<Row>(sql, [...params, Math.max(1, q.limit ?? 100)]).map(toEntry);
  }
}

function toEntry(r: Row): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actorId: r.actor_id,
    action: r.action,
    target: r.target_kind ? { kind: r.target_kind, id: r.target_id ?? "" } : null,
    details: JSON.parse(r.details) as Record<string, unknown>,
    ip: r.ip,
  };
}
