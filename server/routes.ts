import path from "node:path";
import { z } from "zod";
import { adminRoutes } from "./accounts/admin-routes.ts";
import { candidateRoutes } from "./assessments/candidate-routes.ts";
import { inviteRoutes } from "./assessments/invite-routes.ts";
import { Review } from "./assessments/review.ts";
import { reviewRoutes } from "./assessments/review-routes.ts";
import { assessmentRoutes } from "./assessments/routes.ts";
import { labSecret } from "./grading/attest.ts";
import { passwordResetRoutes } from "./accounts/reset-routes.ts";
import { accountsRoutes } from "./accounts/routes.ts";
import { auditRoutes } from "./audit/routes.ts";
import { metricsRoutes } from "./metrics/routes.ts";
import { webhookRoutes } from "./webhooks/routes.ts";
import { ssoRoutes } from "./sso/routes.ts";
import { tokenRoutes } from "./tokens/routes.ts";
import type { AppDeps } from "./app.ts";
import { helpRoutes } from "./exercises/help-routes.ts";
import { exercisesRoutes } from "./exercises/routes.ts";
import { gradingRoutes } from "./grading/routes.ts";
import { openApiDocument } from "./http/openapi.ts";
import { progressRoutes } from "./progress/routes.ts";
import { Progress } from "./progress/service.ts";
import { anyone, route, type Route } from "./http/routes.ts";
import { terminalRoutes } from "./terminal/routes.ts";
import { VERSION } from "./version.ts";
import { workspaceFileRoutes } from "./workspaces/routes.ts";
import { snapshotRoutes } from "./workspaces/snapshot-routes.ts";

/**
 * The lab's route table: every REST route (and the terminal's WebSocket upgrade), each with
 * its auth rule and schemas. A feature adds its routes here; server/http/README.md says how.
 */
export function labRoutes(deps: AppDeps): Route[] {
  const progress = new Progress(deps.db, deps.catalog);
  const routes: Route[] = [
    route({
      method: "get",
      path: "/health",
      candidates: true,
      summary: "Liveness, version, sandbox driver and catalog size",
      tag: "lab",
      auth: anyone,
      response: z.object({
        status: z.literal("ok"),
        version: z.string(),
        sandbox: z.object({ driver: z.string() }),
        exercises: z.number().int(),
      }),
      handler: () => ({
        status: "ok" as const,
        version: VERSION,
        sandbox: { driver: deps.driver.name },
        exercises: deps.catalog.exercises.size,
      }),
    }),
    route({
      method: "get",
      path: "/openapi.json",
      summary: "This document: the OpenAPI 3.1 description of the REST API",
      tag: "lab",
      auth: anyone,
      response: z.looseObject({ openapi: z.literal("3.1.0") }),
      handler: () => document,
    }),
    ...accountsRoutes(deps.accounts, {
      secureCookies: deps.config.secureCookies,
      attemptsPerIp: deps.config.authAttemptsPerIp,
      ssoName: deps.sso?.config.name,
      localPasswords: deps.config.localPasswords,
    }),
    // Single sign-on's routes exist only on a lab with an identity provider configured.
    ...(deps.sso
      ? ssoRoutes({
          sso: deps.sso,
          accounts: deps.accounts,
          audit: deps.audit,
          publicUrl: deps.config.publicUrl,
          secureCookies: deps.config.secureCookies,
          attemptsPerIp: deps.config.authAttemptsPerIp,
        })
      : []),
    ...adminRoutes(deps.accounts, deps.audit, { publicUrl: deps.config.publicUrl }),
    ...passwordResetRoutes(deps.accounts, deps.audit, { publicUrl: deps.config.publicUrl }),
    ...auditRoutes(deps.audit, (ids) => {
      const emails = new Map<number, string>();
      for (const u of deps.accounts.list()) if (ids.includes(u.id)) emails.set(u.id, u.email);
      return emails;
    }),
    ...tokenRoutes(deps.tokens),
    ...metricsRoutes(deps.metrics, deps.config.metricsToken),
    ...webhookRoutes(deps.webhooks, deps.audit),
    ...exercisesRoutes({ ...deps, progress }),
    ...gradingRoutes(deps),
    ...progressRoutes(progress),
    ...terminalRoutes({
      db: deps.db,
      workspaces: deps.workspaces,
      recordingsDir: path.join(deps.config.dataDir, "recordings"),
    }),
    ...helpRoutes(deps),
    ...workspaceFileRoutes(deps),
    ...snapshotRoutes(deps),
    ...deps.workshops.routes(deps.config.publicUrl),
    ...assessmentRoutes(deps.hiring.assessments),
    ...inviteRoutes({ hiring: deps.hiring, accounts: deps.accounts, publicUrl: deps.config.publicUrl }),
    ...reviewRoutes({
      hiring: deps.hiring,
      review: new Review(
        deps.db,
        deps.hiring,
        labSecret(deps.config.dataDir),
        path.join(deps.config.dataDir, "recordings"),
      ),
    }),
    ...candidateRoutes({
      hiring: deps.hiring,
      accounts: deps.accounts,
      db: deps.db,
      secureCookies: deps.config.secureCookies,
    }),
  ];
  const document = openApiDocument(routes, { version: VERSION, serverUrl: deps.config.publicUrl });
  return routes;
}
