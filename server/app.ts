import fs from "node:fs";
import path from "node:path";
import express, { type Express } from "express";
import helmet from "helmet";
import type { AccessPolicy } from "./access/policy.ts";
import type { Hiring } from "./assessments/hiring.ts";
import type { Accounts } from "./accounts/service.ts";
import type { AuditLog } from "./audit/service.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/database.ts";
import { errorHandler, notFoundHandler } from "./errors.ts";
import type { Catalog } from "../graders/exercise/catalog.ts";
import type { Workshops } from "./cohorts/feature.ts";
import type { Grading } from "./grading/service.ts";
import { csrfToken, refusePreflight, sameOriginWrites, sessionUser } from "./http/guards.ts";
import { mountRoutes, type Route } from "./http/routes.ts";
import type { Logger } from "./logger.ts";
import type { LabMetrics } from "./metrics/metrics.ts";
import type { Tracing } from "./tracing/tracing.ts";
import type { SingleSignOn } from "./sso/service.ts";
import type { ApiTokens } from "./tokens/service.ts";
import type { Webhooks } from "./webhooks/service.ts";
import type { SandboxDriver } from "../graders/sandbox/port.ts";
import type { Workspaces } from "./workspaces/service.ts";
import { labRoutes } from "./routes.ts";

export type AppDeps = {
  config: Config;
  log: Logger;
  db: Database;
  accounts: Accounts;
  /** The append-only audit log (server/audit/): features record privileged actions on it. */
  audit: AuditLog;
  metrics: LabMetrics;
  /** OpenTelemetry spans per request (server/tracing/); inert without a collector. */
  tracing: Tracing;
  /** Personal API tokens (server/tokens/): Bearer on routes that name a scope. */
  tokens: ApiTokens;
  /** OpenID Connect sign-in (server/sso/), when an issuer is configured. */
  sso?: SingleSignOn;
  webhooks: Webhooks;
  catalog: Catalog;
  workspaces: Workspaces;
  grading: Grading;
  driver: SandboxDriver;
  /** Who may open or use which exercise (server/access/policy.ts); features register rules on it. */
  policy: AccessPolicy;
  /** Cohorts, pacing and the live room (server/cohorts/). */
  workshops: Workshops;
  /** Assessments: definitions, candidates, their clock (server/assessments/). */
  hiring: Hiring;
};

/** The HTTP app, with every dependency passed in; `listen()` lives in main.ts. */
export function createApp(deps: AppDeps, routes: readonly Route[] = labRoutes(deps)): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          // 'wasm-unsafe-eval' compiles WebAssembly (the recordings player), never JS eval.
          scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
          // xterm.js sets element styles at runtime; scripts stay strict.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          // Over plain HTTP (a workshop LAN) upgrading would break every asset.
          upgradeInsecureRequests: deps.config.secureCookies ? [] : null,
        },
      },
      strictTransportSecurity: deps.config.secureCookies,
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(refusePreflight);

  const api = express.Router();
  // The editor saves files of up to 1 MiB (as JSON text); everything else stays at 100 kB.
  api.use("/workspaces/:id/files", express.json({ limit: "2mb", strict: true }));
  api.use(express.json({ limit: "100kb", strict: true }));
  api.use(sameOriginWrites(deps.config.publicUrl));
  api.use(deps.tracing.middleware());
  api.use(deps.metrics.httpTimer());
  api.use(sessionUser(deps.accounts));
  api.use(csrfToken);
  // Every API route comes from the route table (server/routes.ts); nothing is mounted beside it.
  const table = express.Router();
  mountRoutes(table, routes, { checkResponses: deps.config.nodeEnv !== "production", tokens: deps.tokens });
  // Kept on the app so the authorization matrix tests the very table this lab mounted.
  app.locals.routes = routes;
  api.use(table);
  api.use(notFoundHandler);
  app.use(
    "/api",
    (_req, res, next) => {
      res.setHeader("Cache-Control", "no-store");
      next();
    },
    api,
  );

  const dist = deps.config.webDistDir;
  app.use(
    express.static(dist, {
      index: false,
      maxAge: "1h",
      setHeaders: (res, file) => {
        if (file.includes(`${path.sep}assets${path.sep}`))
          res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
      },
    }),
  );
  // The single-page app answers every other GET; the API keeps its own 404s.
  app.get(/^(?!\/api\/).*/, (_req, res, next) => {
    const index = path.join(dist, "index.html");
    if (!fs.existsSync(index)) return next();
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
