import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { FIRST_ADMIN_HOURS } from "./accounts/invites.ts";
import { AccessPolicy } from "./access/policy.ts";
import { Hiring } from "./assessments/hiring.ts";
import { Accounts } from "./accounts/service.ts";
import { AuditLog } from "./audit/service.ts";
import { Workshops } from "./cohorts/feature.ts";
import { LabMetrics } from "./metrics/metrics.ts";
import { EgressPolicy } from "./webhooks/egress.ts";
import { Webhooks, type Notify } from "./webhooks/service.ts";
import { Tracing } from "./tracing/tracing.ts";
import { SingleSignOn } from "./sso/service.ts";
import { ApiTokens } from "./tokens/service.ts";
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { openDatabase } from "./db/database.ts";
import { selectDriver } from "./drivers.ts";
import { loadCatalog } from "../graders/exercise/catalog.ts";
import { Grading, type Graded } from "./grading/service.ts";
import type { Logger } from "./logger.ts";
import type { Database } from "./db/database.ts";
import { WorkspaceSandboxes } from "./workspaces/sandboxes.ts";
import type { SandboxDriver } from "../graders/sandbox/port.ts";
import { ensureRuntime } from "./setup/runtime.ts";
import { ensureService } from "./setup/services.ts";
import { TerminalGateway } from "./terminal/gateway.ts";
import { TerminalSessions } from "./terminal/sessions.ts";
import { Workspaces } from "./workspaces/service.ts";
import { loopCensus, loopsReleased, loopWarning } from "./workspaces/mounts.ts";
import { serviceNames } from "../graders/services/use.ts";

export type Lab = {
  url: string;
  server: http.Server;
  driver: SandboxDriver;
  /** The one-time link that creates the first admin, while the lab has none. */
  firstAdminUrl?: string;
  /**
   * Stops serving and leaves no sandbox and no mount behind: workspace sandboxes (Docker
   * containers too) are stopped, every mount under the data folder is released with its loop
   * device, gradings in flight finish. Only a crash leaves them, for the next start to adopt.
   */
  close(): Promise<void>;
};

export { labIdFor, selectDriver, StartupError } from "./drivers.ts";

/**
 * At start: keep the workspace sandboxes a persistent driver left running whose workspace
 * still exists (they are adopted on the next open) and remove everything else this lab made
 * (grading runs a crash cut short, workspaces deleted meanwhile, a bwrap run's cgroups).
 */
async function reapSandboxes(driver: SandboxDriver, db: Database, log: Logger): Promise<void> {
  const live = new Set(
    db.all<{ id: number }>("SELECT id FROM workspaces").map((w) => WorkspaceSandboxes.sandboxName(w.id)),
  );
  const { removed, kept } = await driver.reap((name, running) => running && live.has(name));
  log.info({ driver: driver.name, removed, kept }, "reaped sandboxes");
}

/** Opens storage, loads the catalog, starts the grading queue and listens. */
export async function startLab(config: Config, log: Logger, opts: { driver?: SandboxDriver } = {}): Promise<Lab> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.chmodSync(config.dataDir, 0o711);
  fs.mkdirSync(config.runtimeDir, { recursive: true });
  const db = openDatabase(config.dataDir);
  const catalog = loadCatalog(config.exercisesDir);
  for (const p of catalog.problems)
    log.error({ path: p.path, field: p.field }, `exercise skipped: ${p.field ? p.field + ": " : ""}${p.message}`);
  log.info({ exercises: catalog.exercises.size, skipped: catalog.problems.length }, "catalog loaded");

  // Tests pass a driver double (see graders/sandbox/doubles.ts); the lab picks its own otherwise.
  const driver = opts.driver ?? (await selectDriver(config, log));
  await reapSandboxes(driver, db, log);
  for (const runtime of new Set([...catalog.exercises.values()].map((e) => e.runtime))) {
    driver.prewarm(runtime).catch((err: unknown) => log.error({ err, runtime }, "warm pool could not fill"));
  }
  for (const runtime of new Set([...catalog.exercises.values()].map((e) => e.runtime)))
    ensureRuntime(config.runtimeDir, runtime, (m) => log.info(m));
  // Prepared now so no sandbox start waits for an initdb; one that cannot be is said here and
  // again by the grading that needs it, and the lab runs on.
  // A driver without backing services (Docker, for now) refuses those exercises itself.
  const services = driver.backingServices
    ? [...catalog.exercises.values()].flatMap((e) => serviceNames(e.services))
    : [];
  for (const service of new Set(services))
    try {
      ensureService(config.runtimeDir, service, (m) => log.info(m));
    } catch (err) {
      log.error({ err, service }, "backing service could not be prepared");
    }

  const accounts = new Accounts(db, {
    signup: config.signup,
    idleMs: config.sessionIdleMs,
    maxMs: config.sessionMaxMs,
    inviteDays: config.inviteDays,
  });
  accounts.sessions.sweep();
  const workspaces = new Workspaces(db, config.dataDir, {
    quotaMb: config.workspaceQuotaMb,
    onWarning: (m) => log.warn(m),
  });
  workspaces.sweep();
  log.info(workspaces.adoptMounts(), "workspace mounts adopted after the last run");
  const loops = loopWarning(loopCensus());
  if (loops) log.warn(loops);
  const tracing = new Tracing(config.traces);
  const grading = new Grading(db, config.dataDir, driver, (id) => catalog.exercises.get(id), log, {
    sandboxIdentity: (runtime) => driver.identity(runtime),
    perMinute: config.submissionsPerMinute,
    tracer: tracing.tracer,
  });
  const policy = new AccessPolicy();
  const audit = new AuditLog(db);
  // Gauges read live state at scrape time; `sandboxes` and `sessions` exist by then.
  const metrics = new LabMetrics(driver.name, {
    queue: () =>
      db.get<{ queued: number; running: number }>(
        "SELECT count(*) FILTER (WHERE status = 'queued') AS queued, count(*) FILTER (WHERE status = 'running') AS running FROM submissions",
      )!,
    sandboxes: () => sandboxes.size,
    terminalSessions: () => sessions.size,
  });
  grading.events.on("graded", (g: Graded) => {
    const status = g.submission.result?.status ?? g.submission.status;
    if (g.queueMs !== null) metrics.queueWait.observe(g.queueMs / 1000);
    metrics.gradingDuration.observe(
      { kind: [...new Set(g.kinds)].join("+") || "none", status },
      (g.submission.result?.duration_ms ?? 0) / 1000,
    );
    metrics.gradings.inc({ status });
  });
  const webhooks = new Webhooks(db, log, {
    egress: new EgressPolicy(config.webhookAllowNetworks),
    retrySeconds: config.webhookRetrySeconds,
  });
  grading.onStored.push((r) =>
    webhooks.enqueue("submission.graded", {
      submission_id: r.submissionId,
      user_id: r.userId,
      exercise_id: r.exerciseId,
      status: r.result.status,
      score: r.result.score,
      max_score: r.result.max_score,
    }),
  );
  // A sandbox whose last terminal session ended stops after a short grace (a new shell is quick).
  const sandboxes = new WorkspaceSandboxes(
    driver,
    log,
    Math.min(30_000, config.sandboxIdleSeconds * 1000),
    config.sandboxStartSeconds * 1000,
  );
  const sessions = new TerminalSessions(
    { db, sandboxes, log, dataDir: config.dataDir },
    {
      idleMs: config.sandboxIdleSeconds * 1000,
      maxAgeMs: config.sandboxMaxAgeSeconds * 1000,
      perUser: config.sandboxesPerUser,
    },
  );
  const workshops = new Workshops({
    db,
    catalog,
    policy,
    grading,
    workspaces,
    log,
    audit,
    terminals: { lastActivity: (id) => sessions.sessionOf(id)?.lastActivity, isLive: (id) => !!sessions.sessionOf(id) },
    retentionDays: config.cohortRetentionDays,
  });
  const hiring = new Hiring({ db, catalog, workspaces, grading, log, policy });
  // Cohort and assessment events go to the outbox in the transaction of the change they report.
  const notify: Notify = (type, data) => webhooks.enqueue(type, data);
  workshops.cohorts.notify = notify;
  workshops.desk.notify = notify;
  hiring.clock.notify = notify;
  const sso = config.sso ? new SingleSignOn({ db, accounts, audit, log }, config.sso) : undefined;
  const app = createApp({
    config,
    log,
    db,
    accounts,
    audit,
    metrics,
    tracing,
    sso,
    tokens: new ApiTokens(db, audit),
    webhooks,
    catalog,
    workspaces,
    grading,
    driver,
    policy,
    workshops,
    hiring,
  });

  const server = http.createServer(app);
  accounts.events.on("revoked", (userId: number) => sessions.closeForUser(userId, "signed out everywhere"));
  const gateway = new TerminalGateway({
    accounts,
    workspaces,
    sessions,
    catalog,
    log,
    publicUrl: config.publicUrl,
    policy,
    takeovers: workshops.desk,
  });
  gateway.attach(server);
  grading.start(config.gradingConcurrency);
  workshops.start();
  webhooks.start();
  // At a candidate's deadline their shell closes; the clock then hands their work in.
  hiring.clock.onTimeUp = (userId) => sessions.closeForUser(userId, "the assessment's time is up");
  hiring.clock.start();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = `http://${host === "127.0.0.1" ? "localhost" : host}:${addr.port}`;
  log.info({ url, driver: driver.name }, "Backlab is listening");
  // Never a default password: while there is no admin, each start prints a fresh one-time link.
  const firstAdminToken = accounts.firstAdminToken();
  const firstAdminUrl = firstAdminToken ? `${config.publicUrl ?? url}/first-admin#${firstAdminToken}` : undefined;
  if (firstAdminUrl)
    log.warn(
      { url: firstAdminUrl, expiresInHours: FIRST_ADMIN_HOURS },
      `No admin yet. Open this one-time link to create the first admin account: ${firstAdminUrl}`,
    );

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    driver,
    firstAdminUrl,
    close: () =>
      (closing ??= (async () => {
        workshops.stop();
        hiring.clock.stop();
        await gateway.close();
        await sandboxes.shutdown();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        // Sandboxes a persistent driver adopted at start but no one opened since, and its warm
        // pool (whose mounts its close() releases), bind the workspace filesystems: they go
        // first. Gradings in flight keep theirs (a grading works on a copy, under no host mount).
        if (driver.persistent) await driver.reap((name) => name.startsWith("grade-"));
        await driver.close();
        const released = workspaces.releaseMounts();
        const held = await loopsReleased(workspaces.root, 5000);
        if (held.length) log.warn({ released, held }, "loop devices still bound to workspace images after the unmount");
        else log.info({ released }, "released the lab's mounts and their loop devices");
        await grading.stop();
        await webhooks.stop();
        await tracing.shutdown();
        await driver.reap();
        db.close();
      })()),
  };
}
