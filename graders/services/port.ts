/**
 * A backing service (DESIGN.md "Backing services"): a real server an exercise declares in
 * `services:` — PostgreSQL, Redis — started inside the sandbox's own confinement for every
 * grading and every workspace, never shared, gone with the sandbox. Each lives in one folder
 * under graders/services/ and has one line in graders/services/registry.ts.
 */
import type { Sandbox } from "../sandbox/port.ts";

export interface BackingService {
  /** What exercise.yaml's `services:` names. */
  readonly name: string;
  /**
   * Bump when `prepare` makes something else: the prepared folder is named by it, so a
   * change prepares a new one.
   */
  readonly recipe: string;
  /** The Debian packages it needs: a binary that must exist and the package that has it. */
  readonly packages: { path: string; pkg: string }[];
  /** What every process of a sandbox with this service sees (connection strings). */
  readonly env: Record<string, string>;
  /** The env with the exercise's options (`{ replica: true }` adds DATABASE_REPLICA_URL); `env` without. */
  envFor?(options: Record<string, unknown>): Record<string, string>;
  /**
   * On the host, once (setup): fills `dir` with what its sandboxes see read-only at
   * /services/<name> (a template cluster, say). Runs as root; `dir` is empty and removed on failure.
   */
  prepare(dir: string, log: (m: string) => void): void;
  /** Starts it in a running sandbox with the exercise's options; resolves once it accepts connections. */
  start(sandbox: Sandbox, deadline: number, options?: Record<string, unknown>): Promise<RunningService>;
}

export type RunningService = {
  readonly name: string;
  /** Start → accepting connections, in ms (`npm run bench`). */
  readonly startMs: number;
  /** The server's own output (its log), for feedback when something goes wrong. */
  log(): string;
  /** Why it stopped, or null while it runs. */
  exited(): string | null;
  stop(): Promise<void>;
  /**
   * What the hidden tests' control channel may ask of it (graders/service/control.ts validates
   * the request first): stop/start the server, pause replay, read statement statistics.
   */
  admin?(request: ServiceAdminRequest): Promise<unknown>;
};

export type ServiceAdminRequest =
  | { op: "stop" }
  | { op: "start" }
  | { op: "pauseReplay" }
  | { op: "resumeReplay" }
  | { op: "replication" }
  | { op: "statements"; server: "primary" | "replica"; reset: boolean };

export class ServiceError extends Error {}

/** Where a service's prepared folder appears in every sandbox that has it. */
export function servicePath(name: string): string {
  return `/services/${name}`;
}
