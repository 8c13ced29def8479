import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Database, migrate } from "../db/database.ts";
import { AuditLog, MAX_DETAILS_BYTES } from "./service.ts";

describe("audit log", () => {
  let db: Database;
  let audit: AuditLog;
  beforeEach(() => {
    db = new Database(":memory:");
    migrate(db);
    audit = new AuditLog(db);
  });
  afterEach(() => db.close());

  it("records an action with its actor, target and details, newest first", () => {
    audit.record({
      actorId: null,
      action: "user.role",
      target: { kind: "user", id: 7 },
      details: { from: "learner", to: "admin" },
      ip: "127.0.0.1",
    });
    audit.record({ actorId: null, action: "invite.create", details: { role: "learner" } });
    const [newest, oldest] = audit.list();
    expect(newest).toMatchObject({ action: "invite.create", target: null, details: { role: "learner" } });
    expect(oldest).toMatchObject({
      action: "user.role",
      target: { kind: "user", id: "7" },
      details: { from: "learner", to: "admin" },
      ip: "127.0.0.1",
    });
    expect(Date.parse(oldest!.at)).not.toBeNaN();
  });

  it("filters by an action's prefix without matching a longer word, and pages backwards", () => {
    for (const action of ["cohort.create", "cohort.takeover.start", "cohorts-x.create", "user.role"])
      audit.record({ actorId: null, action });
    expect(audit.list({ action: "cohort" }).map((e) => e.action)).toEqual(["cohort.takeover.start", "cohort.create"]);
    expect(audit.list({ action: "cohort.takeover.start" })).toHaveLength(1);
    // LIKE wildcards in a filter are literal.
    expect(audit.list({ action: "cohort_" })).toHaveLength(0);
    const page1 = audit.list({ limit: 2 });
    const page2 = audit.list({ limit: 2, before: page1[1]!.id });
    expect([...page1, ...page2].map((e) => e.action)).toEqual([
      "user.role",
      "cohorts-x.create",
      "cohort.takeover.start",
      "cohort.create",
    ]);
  });

  it("refuses a malformed action name and oversized details", () => {
    expect(() => audit.record({ actorId: null, action: "Drop table" })).toThrow(/dotted/);
    expect(() =>
      audit.record({ actorId: null, action: "x.y", details: { blob: "a".repeat(MAX_DETAILS_BYTES) } }),
    ).toThrow(/exceed/);
    expect(audit.list()).toHaveLength(0);
  });
});
