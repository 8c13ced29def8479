import type { AccessPolicy } from "../access/policy.ts";
import type { AuditLog } from "../audit/service.ts";
import type { Database } from "../db/database.ts";
import type { Catalog } from "../../graders/exercise/catalog.ts";
import type { Grading, SubmissionChange } from "../grading/service.ts";
import type { Route } from "../http/routes.ts";
import type { Logger } from "../logger.ts";
import type { Workspaces } from "../workspaces/service.ts";
import { HelpDesk } from "./help-desk.ts";
import { memberRoutes } from "./member-routes.ts";
import { purgeEndedCohorts } from "./retention.ts";
import { Room, type TerminalActivity, type Thresholds } from "./room.ts";
import { roomRoutes } from "./room-routes.ts";
import { cohortRoutes } from "./routes.ts";
import { Cohorts } from "./service.ts";

export type WorkshopsDeps = {
  db: Database;
  catalog: Catalog;
  policy: AccessPolicy;
  grading: Grading;
  workspaces: Workspaces;
  log: Logger;
  audit: AuditLog;
  terminals: TerminalActivity & { isLive(workspaceId: number): boolean };
  retentionDays: number;
  thresholds?: Thresholds;
};

/**
 * The workshop feature in one object: cohorts and pacing (registered on the access policy),
 * the help desk, the live room, the retention job, and their routes.
 */
export class Workshops {
  readonly cohorts: Cohorts;
  readonly desk: HelpDesk;
  readonly room: Room;
  private retention: NodeJS.Timeout | undefined;
  private onChange = (c: SubmissionChange) => this.room.refresh(c.userId, c.exerciseId);

  constructor(readonly deps: WorkshopsDeps) {
    this.cohorts = new Cohorts(deps.db, deps.catalog);
    this.desk = new HelpDesk(deps.db, this.cohorts, deps.audit);
    this.room = new Room(deps.db, deps.catalog, this.cohorts, this.desk, deps.terminals, deps.thresholds);
    this.desk.onMemberChange = (userId) => this.room.refresh(userId);
    this.cohorts.onJoin = (cohortId, userId) => {
      const row = this.room.rows(cohortId, userId)[0];
      if (row) this.cohorts.emit(cohortId, "room", { type: "row", row });
    };
    deps.policy.register("cohort-pacing", this.cohorts.accessRule);
    deps.grading.events.on("changed", this.onChange);
  }

  routes(publicUrl: string | undefined): Route[] {
    return [
      ...cohortRoutes({ cohorts: this.cohorts, publicUrl }),
      ...roomRoutes(this, this.deps),
      ...memberRoutes(this),
    ];
  }

  /** Scheduled unlocks, and the retention job at start and then hourly. */
  start(): void {
    this.cohorts.schedule();
    const purge = () => {
      try {
        purgeEndedCohorts(
          {
            db: this.deps.db,
            workspaces: this.deps.workspaces,
            log: this.deps.log,
            audit: this.deps.audit,
            isLive: (id) => this.deps.terminals.isLive(id),
          },
          this.deps.retentionDays,
        );
      } catch (err) {
        this.deps.log.error({ err }, "retention job failed");
      }
    };
    purge();
    this.retention = setInterval(purge, 3_600_000);
    this.retention.unref();
  }

  stop(): void {
    this.cohorts.stop();
    clearInterval(this.retention);
    this.deps.grading.events.off("changed", this.onChange);
  }
}
