import { z } from "zod";

/**
 * How exercise.yaml names a backing service in `services:`: its bare name (`postgres`) or its
 * name with options (`{ postgres: { replica: true } }`).
 */
export const PostgresOptions = z.strictObject({
  /** A hot standby fed by streaming replication from the primary (DATABASE_REPLICA_URL). */
  replica: z.boolean().default(false),
});
export type PostgresOptions = z.infer<typeof PostgresOptions>;

export const ServiceWithOptions = z.strictObject({ postgres: PostgresOptions });
export type ServiceUse = string | z.infer<typeof ServiceWithOptions>;

export function serviceName(use: ServiceUse): string {
  return typeof use === "string" ? use : Object.keys(use)[0]!;
}

export function serviceNames(uses: readonly ServiceUse[]): string[] {
  return uses.map(serviceName);
}

/** A service's options as declared (an empty object for a bare name). */
export function serviceOptions(use: ServiceUse): Record<string, unknown> {
  return typeof use === "string" ? {} : (Object.values(use)[0] as Record<string, unknown>);
}
