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
  /**
   * On the host, once (setup): fills `dir` with what its sandboxes see read-only at
   * /services/<name> (a template cluster, say). Runs as root; `dir` is empty and removed on failure.
   */
  prepare(dir: string, log: (m: string) => void): void;
  /** Starts it in a running sandbox; resolves once it accepts connections. */
  start(sandbox: Sandbox, deadline: number): Promise<RunningService>;
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
};

export class ServiceError extends Error {}

/** Where a service's prepared folder appears in every sandbox that has it. */
export function servicePath(name: string): string {
  return `/services/${name}`;
}
