import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sandboxLimits, type ServiceSpec } from "../exercise/fields.ts";
import { createWithin, type ExitInfo, type Mount, type Sandbox, type SandboxProcess } from "../sandbox/port.ts";
import { copyTree } from "../sandbox/files.ts";
import { runCapped } from "../sandbox/exec.ts";
import type { GradeContext } from "../kind.ts";
import { timed } from "../timing.ts";
import { startServices, servicesEnv } from "../services/start.ts";
import type { RunningService } from "../services/port.ts";
import { serviceNames } from "../services/use.ts";
import { compiledStart } from "./compile.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Service output kept for feedback: the start and the end of it. */
const LOG_HEAD = 8 * 1024;
const LOG_TAIL = 24 * 1024;

export type BootedService = {
  /** The sandbox running the learner's service (their files, their code); shared by the grading's steps. */
  service: Sandbox;
  /** A second sandbox that shares only the service's loopback: the grader's tests run here. */
  grader: Sandbox;
  url: string;
  logs(): string;
  stop(): Promise<void>;
  /** The service's process, for the control channel (graders/service/control.ts). */
  running: Running;
};

export class BootError extends Error {}

/** The learner's service process in its sandbox; `start()` again replaces it in place (a restart). */
export class Running {
  proc!: SandboxProcess;
  readonly log = new LogTail();
  /** Why it is no longer running (for messages), null while it runs. */
  exited: string | null = null;
  exit: ExitInfo | null = null;
  exitedAt: number | null = null;
  died: Promise<unknown> = Promise.resolve();
  ready = false;
  /** When the start command was exec'ed (epoch ms): boot → ready in the grading's timing. */
  startedAt = 0;
  bootRecorded = false;
  /** The backing services running in the same sandbox (the control channel's `backing` verb). */
  backing: RunningService[] = [];

  constructor(
    readonly service: Sandbox,
    /** As started: the compiled command when compile.ts could compile it. */
    readonly spec: ServiceSpec,
    private deadline: () => number,
  ) {
    this.start();
  }

  /** Execs the start command in the service's sandbox, on whatever its files are now. */
  start(): void {
    const spec = this.spec;
    const argv = Array.isArray(spec.start) ? spec.start : ["/bin/sh", "-c", spec.start];
    const proc = this.service.exec(argv, {
      env: { ...spec.env, PORT: String(spec.port), HOST: "127.0.0.1", NODE_ENV: spec.env.NODE_ENV ?? "production" },
      timeoutMs: Math.max(1000, this.deadline() - Date.now()),
    });
    proc.end();
    proc.onData((chunk) => this.log.add(chunk));
    Object.assign(this, { proc, exited: null, exit: null, exitedAt: null, ready: false, startedAt: Date.now() });
    this.died = proc.wait().then((e) => {
      // A process that was replaced (restart) no longer speaks for the service.
      if (this.proc !== proc) return;
      this.exit = e;
      this.exitedAt = Date.now();
      this.exited = e.timedOut ? "was stopped at the time limit" : `exited with code ${e.code ?? e.signal}`;
    });
  }
}

/**
 * The learner's service, started once per grading: every service, security and load step of
 * a submission talks to the same process (a boot costs about a second). A service that died
 * in an earlier step is started again. Without `ctx.shared` (a one-off boot), it is private.
 */
async function runningService(
  ctx: GradeContext,
  onSandbox?: (service: Sandbox) => Promise<unknown>,
): Promise<{ running: Running; owned: boolean }> {
  const existing = ctx.shared?.get("service") as Running | undefined;
  if (existing && !existing.exited) return { running: existing, owned: false };
  if (existing) await existing.service.stop();
  const remaining = () => Math.max(1000, ctx.deadline - Date.now());
  const work = path.join(ctx.shared ? path.dirname(ctx.runDir) : ctx.runDir, `service-work-${Date.now()}`);
  await timed(ctx, "copy-in", () => copyTree(ctx.submissionDir, work, { uid: ctx.uid }), "submission");
  const name = ctx.shared
    ? `${ctx.sandboxName.replace(/-s\d+$/, "")}-svc${existing ? "2" : ""}`
    : `${ctx.sandboxName}-svc`;
  const service = await createWithin(
    ctx.driver,
    {
      name,
      runtime: ctx.exercise.runtime,
      workspaceDir: work,
      limits: sandboxLimits(ctx.exercise.limits),
      uid: ctx.uid,
      network: "none",
      services: serviceNames(ctx.exercise.services),
      env: servicesEnv(ctx.exercise.services),
    },
    remaining(),
  );
  let running: Running;
  let backing: RunningService[] = [];
  try {
    await onSandbox?.(service);
    // Fresh for this grading (a copy of the template), in the service's sandbox: its network,
    // its limits, gone when it stops.
    if (ctx.exercise.services.length)
      backing = await timed(
        ctx,
        "services",
        () => startServices(service, ctx.exercise.services, ctx.deadline),
        serviceNames(ctx.exercise.services).join(", "),
      );
    const spec = await compiledStart(service, ctx.exercise.service as ServiceSpec, ctx.deadline, ctx.timing);
    running = new Running(service, spec, () => ctx.deadline);
    running.backing = backing;
  } catch (err) {
    await service.stop();
    throw err;
  }
  if (ctx.shared) {
    ctx.shared.set("service", running);
    ctx.onCleanup?.(() => service.stop());
  }
  return { running, owned: !ctx.shared };
}

/**
 * Boots the learner's service as exercise.yaml says (or reuses this grading's) and waits
 * until it answers. The hidden files live in a grader sandbox of this step (mounted from
 * `mounts`) that joins the service's network; they never enter the service's filesystem.
 * `whileBooting` gets the grader sandbox as soon as it exists, before the service is ready.
 */
export async function bootService(
  ctx: GradeContext,
  mounts: Mount[],
  whileBooting?: (grader: Sandbox) => void,
): Promise<BootedService> {
  const spec = ctx.exercise.service as ServiceSpec;
  const remaining = () => Math.max(1000, ctx.deadline - Date.now());
  const graderWork = path.join(ctx.runDir, "grader-work");
  fs.mkdirSync(graderWork, { mode: 0o755 });
  fs.chownSync(graderWork, ctx.uid, ctx.uid);
  fs.copyFileSync(path.join(HERE, "ready.mjs"), path.join(graderWork, "ready.mjs"));
  let grader: Sandbox | undefined;
  // The grader sandbox joins the service's network, so it can exist as soon as the service's
  // sandbox does: its side (vitest up to its gate, ~1 s) then runs while the backing services
  // start, the workspace is built and the service boots, not after them.
  const openGrader = async (service: Sandbox): Promise<Sandbox> => {
    grader = await createWithin(
      ctx.driver,
      {
        name: `${ctx.sandboxName}-tst`,
        runtime: ctx.exercise.runtime,
        workspaceDir: graderWork,
        mounts,
        limits: sandboxLimits(ctx.exercise.limits),
        uid: ctx.uid,
        network: { join: service },
        // The hidden tests reach the service's backing services on the shared loopback.
        env: servicesEnv(ctx.exercise.services),
      },
      remaining(),
    );
    whileBooting?.(grader);
    return grader;
  };
  let started: Awaited<ReturnType<typeof runningService>>;
  try {
    started = await runningService(ctx, openGrader);
  } catch (err) {
    await grader?.stop();
    throw err;
  }
  const { running, owned } = started;
  const stop = async () => {
    await grader?.stop();
    if (owned) await running.service.stop();
  };
  try {
    // A service an earlier step of this grading left running: the grader joins it now.
    const joined = grader ?? (await openGrader(running.service));
    const url = `http://127.0.0.1:${spec.port}`;
    await waitReady(running, joined, spec, ctx.deadline);
    if (!running.bootRecorded) {
      running.bootRecorded = true;
      ctx.timing?.add(
        "boot",
        Array.isArray(running.spec.start) ? running.spec.start.join(" ") : running.spec.start,
        running.startedAt,
      );
    }
    return { service: running.service, grader: joined, url, logs: () => running.log.text(), stop, running };
  } catch (err) {
    await stop();
    if (err instanceof BootError)
      err.message += running.log.text() ? `\n\nService output:\n${running.log.text().slice(-1500)}` : "";
    throw err;
  }
}

/**
 * Waits until the service answers its ready path, asked from the grader sandbox (only it
 * shares the service's network); a service that dies meanwhile is not waited for.
 */
export async function waitReady(running: Running, grader: Sandbox, spec: ServiceSpec, deadline: number): Promise<void> {
  const url = `http://127.0.0.1:${spec.port}`;
  const timeoutMs = Math.min(spec.ready.timeout_seconds * 1000, Math.max(1000, deadline - Date.now()));
  const waiting = runCapped(
    grader,
    [
      "node",
      "/workspace/ready.mjs",
      `${url}${spec.ready.path}`,
      spec.ready.status ? String(spec.ready.status) : "",
      String(timeoutMs),
    ],
    { timeoutMs: timeoutMs + 2000 },
  );
  const ready = await Promise.race([waiting, running.died.then(() => null)]);
  if (!ready || ready.exit.code !== 0) {
    const why = running.exited
      ? `it ${running.exited}`
      : `GET ${spec.ready.path} gave ${ready?.output.trim() || "no answer"}`;
    throw new BootError(
      `Your service did not become ready on port ${spec.port} within ${spec.ready.timeout_seconds} s: ${why}.`,
    );
  }
  running.ready = true;
}

export class LogTail {
  private head = "";
  private tail = "";
  private dropped = 0;

  add(chunk: Buffer): void {
    let text = chunk.toString("utf8");
    if (this.head.length < LOG_HEAD) {
      const take = text.slice(0, LOG_HEAD - this.head.length);
      this.head += take;
      text = text.slice(take.length);
    }
    this.tail += text;
    if (this.tail.length > LOG_TAIL) {
      this.dropped += this.tail.length - LOG_TAIL;
      this.tail = this.tail.slice(-LOG_TAIL);
    }
  }

  text(): string {
    return this.dropped ? `${this.head}\n… [${this.dropped} characters cut] …\n${this.tail}` : this.head + this.tail;
  }
}
