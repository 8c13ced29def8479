import type { Exercise } from "../../graders/exercise/catalog.ts";
import { sandboxLimits } from "../../graders/exercise/schema.ts";
import type { Logger } from "../logger.ts";
import { createWithin, type Sandbox, type SandboxDriver } from "../../graders/sandbox/port.ts";
import { servicesEnv, startServices } from "../../graders/services/start.ts";
import { serviceNames } from "../../graders/services/use.ts";
import type { Workspace } from "./service.ts";

type Entry = { sandbox: Promise<Sandbox>; users: number; idleTimer?: NodeJS.Timeout };

/**
 * The live sandbox of each workspace, shared by every terminal attached to it. It is stopped
 * when nothing has been attached for `idleMs` (files are kept); opening the workspace again
 * starts (or, with Docker, re-adopts) it transparently.
 */
export class WorkspaceSandboxes {
  private entries = new Map<number, Entry>();

  constructor(
    private driver: SandboxDriver,
    private log: Logger,
    private idleMs: number,
    private startMs = 60_000,
  ) {}

  /** Workspaces with a live (or starting) sandbox. */
  get size(): number {
    return this.entries.size;
  }

  static sandboxName(workspaceId: number): string {
    return `ws-${workspaceId}`;
  }

  async acquire(ws: Workspace, exercise: Exercise): Promise<Sandbox> {
    let entry = this.entries.get(ws.id);
    if (!entry) {
      const sandbox = createWithin(
        this.driver,
        {
          name: WorkspaceSandboxes.sandboxName(ws.id),
          runtime: exercise.runtime,
          workspaceDir: ws.dir,
          // A shell lives long: per-process CPU time gets more room than a grading run.
          limits: sandboxLimits(exercise.limits, { cpuSeconds: Math.max(exercise.limits.cpu_seconds, 600) }),
          uid: ws.uid,
          network: "none",
          services: serviceNames(exercise.services),
          env: servicesEnv(exercise.services),
        },
        this.startMs,
      ).then((sb) => this.withServices(sb, exercise));
      entry = { sandbox, users: 0 };
      this.entries.set(ws.id, entry);
      sandbox.catch(() => this.entries.delete(ws.id));
    }
    clearTimeout(entry.idleTimer);
    entry.users++;
    return entry.sandbox;
  }

  /** The workspace's own backing services (psql, the learner's service and tests reach them); they stop with it. */
  private async withServices(sandbox: Sandbox, exercise: Exercise): Promise<Sandbox> {
    if (!exercise.services.length) return sandbox;
    try {
      await startServices(sandbox, exercise.services, Date.now() + this.startMs);
      return sandbox;
    } catch (err) {
      await sandbox.stop().catch(() => {});
      throw err;
    }
  }

  release(workspaceId: number): void {
    const entry = this.entries.get(workspaceId);
    if (!entry) return;
    entry.users = Math.max(0, entry.users - 1);
    if (entry.users > 0) return;
    entry.idleTimer = setTimeout(() => void this.stop(workspaceId), this.idleMs);
    entry.idleTimer.unref();
  }

  private async stop(workspaceId: number): Promise<void> {
    const entry = this.entries.get(workspaceId);
    if (!entry || entry.users > 0) return;
    this.entries.delete(workspaceId);
    const sandbox = await entry.sandbox.catch(() => null);
    await sandbox?.stop();
    this.log.info({ workspace: workspaceId }, "idle sandbox stopped");
  }

  /**
   * On shutdown every sandbox stops, Docker containers too: a container holds the workspace
   * filesystem (and its loop device) for as long as it runs. Only a crash leaves them running.
   */
  async shutdown(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) clearTimeout(e.idleTimer);
    await Promise.all(all.map(async (e) => (await e.sandbox.catch(() => null))?.stop()));
  }
}
