import type { BackingService } from "./port.ts";
import { postgresService } from "./postgres/service.ts";
import { redisService } from "./redis/service.ts";

/**
 * The backing services, one line each (like graders/registry.ts for grader kinds): each
 * lives in its own folder with what it installs, prepares and starts; nothing else in the
 * engine or the lab knows a service by name.
 */
const SERVICES = [postgresService, redisService] as const;

const byName = new Map<string, BackingService>(SERVICES.map((s) => [s.name, s]));

export const SERVICE_NAMES = SERVICES.map((s) => s.name) as [string, ...string[]];

export function backingService(name: string): BackingService {
  const s = byName.get(name);
  if (!s) throw new Error(`unknown backing service "${name}"; known: ${SERVICE_NAMES.join(", ")}`);
  return s;
}

export function allServices(): readonly BackingService[] {
  return SERVICES;
}
