import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { ServiceSpec } from "../exercise/fields.ts";
import type { Mount, Sandbox } from "../sandbox/port.ts";
import { readSandboxFile } from "../sandbox/read.ts";
import { waitReady, type Running } from "./boot.ts";
import { ServiceError, type ServiceAdminRequest } from "../services/port.ts";

/**
 * The control channel of a `service` step: hidden tests (in the grader sandbox) ask the lab to
 * signal, wait for, restart and measure the learner's service, which they can only reach over
 * HTTP otherwise. The transport is two folders: the tests drop one small JSON request per file
 * into /grader/control/requests (the only thing they can write), the lab polls it, validates,
 * acts on this one service and writes the answer into /grader/control/responses (read-only
 * for them). Nothing else crosses: no pids, no paths, no host commands.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Where the tests see the channel; `control.mjs` (the client) is /grader/control.mjs. */
export const CONTROL_IN_SANDBOX = "/grader/control";
const MAX_REQUEST_BYTES = 4096;
const MAX_REQUESTS = 5000;
const MAX_RESTARTS = 20;
const MAX_IN_FLIGHT = 8;
const MAX_SCAN = 1024;
const KEEP_RESPONSES = 64;
const POLL_MS = 15;
/** A temp file the client has not renamed yet; removed when older than this. */
const STALE_TEMP_MS = 10_000;
const MAX_WAIT_MS = 60_000;

const Signal = z.enum(["SIGTERM", "SIGINT", "SIGKILL", "SIGHUP"]);
const Wait = z.int().min(0).max(MAX_WAIT_MS);
export const ControlRequest = z.discriminatedUnion("verb", [
  z.strictObject({ verb: z.literal("signal"), name: Signal }),
  z.strictObject({ verb: z.literal("waitExit"), timeoutMs: Wait }),
  z.strictObject({ verb: z.literal("restart") }),
  z.strictObject({ verb: z.literal("kill"), timeoutMs: Wait.optional() }),
  z.strictObject({ verb: z.literal("memory") }),
  z.strictObject({ verb: z.literal("resetMemoryPeak") }),
  z.strictObject({ verb: z.literal("logs") }),
  // A backing service of the same sandbox (graders/services/port.ts `admin`).
  z.strictObject({
    verb: z.literal("backing"),
    service: z.string().max(40),
    op: z.enum(["stop", "start", "pauseReplay", "resumeReplay", "replication", "statements"]),
    server: z.enum(["primary", "replica"]).optional(),
    reset: z.boolean().optional(),
  }),
]);
export type ControlRequest = z.infer<typeof ControlRequest>;

export class ControlError extends Error {}

export type WaitExit = { exited: boolean; code: number | null; signal: string | null; ms: number };

/** The verbs, over one booted service. */
export class ServiceControl {
  private signaledAt: number | null = null;
  private restarts = 0;
  private restarting: Promise<unknown> = Promise.resolve();
  /** A peak window sampled here, when the driver cannot reset its own peak. */
  private window: { max: number; timer: NodeJS.Timeout } | null = null;

  constructor(
    private running: Running,
    private grader: Sandbox,
    private spec: ServiceSpec,
    private deadline: number,
  ) {}

  /** Delivers a signal to the learner's own process (below tsx, npm or sh -c). */
  async signal(name: z.infer<typeof Signal>): Promise<{ delivered: true }> {
    await this.restarting;
    const r = this.running;
    if (r.exited) throw new ControlError(`the service is not running (it ${r.exited})`);
    this.signaledAt = Date.now();
    // The driver finds the program below sh -c, npm and tsx and signals it; the lab never
    // looks at the host's processes here.
    if (!r.proc.signalProgram(name)) throw new ControlError("the service's process could not be found or signalled");
    // A killed process leaves nothing behind: helpers it started go with it (on Docker they
    // would outlive it and could keep the port).
    if (name === "SIGKILL") r.proc.kill("SIGKILL");
    return { delivered: true };
  }

  /** Waits for the service to exit; `ms` counts from the last signal (or from this call). */
  async waitExit(timeoutMs: number): Promise<WaitExit> {
    await this.restarting;
    const r = this.running;
    const since = this.signaledAt ?? Date.now();
    const wait = Math.max(0, Math.min(timeoutMs, this.deadline - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([r.died, new Promise((resolve) => (timer = setTimeout(resolve, wait)))]);
    clearTimeout(timer);
    if (!r.exit || r.exitedAt === null) return { exited: false, code: null, signal: null, ms: Date.now() - since };
    return { exited: true, ...exitStatus(r.exit.code, r.exit.signal), ms: Math.max(0, r.exitedAt - since) };
  }

  async kill(timeoutMs = 10_000): Promise<WaitExit> {
    if (!this.running.exited) await this.signal("SIGKILL");
    return this.waitExit(timeoutMs);
  }

  /**
   * Starts the service again in its sandbox on the same files (what it wrote stays) and waits
   * until it is ready. A service still running is killed first.
   */
  restart(): Promise<{ ready: true; ms: number }> {
    const run = this.restarting.then(async () => {
      if (++this.restarts > MAX_RESTARTS) throw new ControlError(`at most ${MAX_RESTARTS} restarts per step`);
      const r = this.running;
      if (!r.exited) {
        r.proc.kill("SIGKILL");
        await r.died;
      }
      const started = Date.now();
      r.log.add(Buffer.from("\n[backlab] the grader restarted the service\n"));
      this.signaledAt = null;
      r.start();
      try {
        await waitReady(r, this.grader, this.spec, this.deadline);
      } catch (err) {
        throw new ControlError(`${(err as Error).message}\n${r.log.text().slice(-1000)}`);
      }
      return { ready: true as const, ms: Date.now() - started };
    });
    this.restarting = run.catch(() => {});
    return run;
  }

  async memory(): Promise<{ currentBytes: number; peakBytes: number | null }> {
    const use = await this.running.service.memory?.();
    if (!use) throw new ControlError("this lab's sandbox driver cannot measure memory");
    if (!this.window) return use;
    this.window.max = Math.max(this.window.max, use.currentBytes);
    return { currentBytes: use.currentBytes, peakBytes: this.window.max };
  }

  /** A new peak window: from the driver when it can reset its peak, else sampled here. */
  async resetMemoryPeak(): Promise<{ sampled: boolean }> {
    this.stopSampling();
    if (await this.running.service.resetMemoryPeak?.()) return { sampled: false };
    const use = await this.running.service.memory?.();
    if (!use) throw new ControlError("this lab's sandbox driver cannot measure memory");
    const window = {
      max: use.currentBytes,
      timer: setInterval(() => {
        void this.running.service.memory?.().then(
          (u) => u && (window.max = Math.max(window.max, u.currentBytes)),
          () => {},
        );
      }, 50),
    };
    this.window = window;
    return { sampled: true };
  }

  /** Stops/starts a backing service, pauses its replica, reads its statement statistics. */
  async backing(req: Extract<ControlRequest, { verb: "backing" }>): Promise<unknown> {
    const target = this.running.backing.find((b) => b.name === req.service);
    if (!target) throw new ControlError(`this exercise has no backing service "${req.service}"`);
    if (!target.admin) throw new ControlError(`the backing service "${req.service}" takes no control requests`);
    const admin: ServiceAdminRequest =
      req.op === "statements"
        ? { op: req.op, server: req.server ?? "primary", reset: req.reset ?? false }
        : { op: req.op };
    try {
      return await target.admin(admin);
    } catch (err) {
      if (err instanceof ServiceError) throw new ControlError(err.message);
      throw err;
    }
  }

  logs(): { text: string } {
    return { text: this.running.log.text() };
  }

  close(): void {
    this.stopSampling();
  }

  private stopSampling(): void {
    if (this.window) clearInterval(this.window.timer);
    this.window = null;
  }

  handle(req: ControlRequest): Promise<unknown> {
    switch (req.verb) {
      case "signal":
        return this.signal(req.name);
      case "waitExit":
        return this.waitExit(req.timeoutMs);
      case "restart":
        return this.restart();
      case "kill":
        return this.kill(req.timeoutMs);
      case "memory":
        return this.memory();
      case "resetMemoryPeak":
        return this.resetMemoryPeak();
      case "logs":
        return Promise.resolve(this.logs());
      case "backing":
        return this.backing(req);
    }
  }
}

/** A process that died of signal n shows as code 128+n (bwrap's init and tsx both say so). */
function exitStatus(code: number | null, signal: string | null): { code: number | null; signal: string | null } {
  if (signal) return { code, signal };
  if (code !== null && code > 128) {
    const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code, signal: name };
  }
  return { code, signal: null };
}

export type ControlDirs = { requests: string; responses: string };

/**
 * The host side of the channel, for a grader folder mounted at /grader: the client copied to
 * /grader/control.mjs, mount points for the two folders, and the folders themselves
 * (requests owned by the sandbox's uid, responses by the lab).
 */
export function prepareControl(graderDir: string, runDir: string, uid: number): ControlDirs {
  fs.copyFileSync(path.join(HERE, "control.mjs"), path.join(graderDir, "control.mjs"));
  fs.mkdirSync(path.join(graderDir, "control", "requests"), { recursive: true });
  fs.mkdirSync(path.join(graderDir, "control", "responses"));
  const requests = path.join(runDir, "control-requests");
  const responses = path.join(runDir, "control-responses");
  fs.mkdirSync(requests, { mode: 0o700 });
  fs.chownSync(requests, uid, uid);
  fs.mkdirSync(responses, { mode: 0o755 });
  return { requests, responses };
}

export function controlMounts(dirs: ControlDirs): Mount[] {
  return [
    { source: dirs.requests, target: `${CONTROL_IN_SANDBOX}/requests`, readonly: false },
    { source: dirs.responses, target: `${CONTROL_IN_SANDBOX}/responses`, readonly: true },
  ];
}

/**
 * Polls the requests folder until `close()`. Every entry is read without following links
 * (a symlink, FIFO or folder is refused), at most 4 KB, validated, then removed; the answer
 * is written atomically (temp file + rename) where only the lab can write.
 */
export function serveControl(dirs: ControlDirs, control: ServiceControl): { close(): void } {
  /** Entries that could not be removed. */
  const seen = new Set<string>();
  const responses: string[] = [];
  let inFlight = 0;
  let handled = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const respond = (id: string, body: { ok: true; result: unknown } | { ok: false; error: string }) => {
    if (closed) return;
    try {
      const tmp = path.join(dirs.responses, `.${id}.tmp`);
      fs.writeFileSync(tmp, JSON.stringify(body), { mode: 0o644 });
      fs.renameSync(tmp, path.join(dirs.responses, `${id}.json`));
      responses.push(id);
      while (responses.length > KEEP_RESPONSES)
        fs.rmSync(path.join(dirs.responses, `${responses.shift()}.json`), { force: true });
    } catch {
      // the step is over and its folder gone
    }
  };

  const remove = (name: string) => {
    const file = path.join(dirs.requests, name);
    try {
      fs.unlinkSync(file);
    } catch {
      try {
        fs.rmdirSync(file);
      } catch {
        // Left in place (a folder with files, say): never looked at again.
        seen.add(name);
      }
    }
  };

  const take = (name: string) => {
    const file = path.join(dirs.requests, name);
    const request = /^([A-Za-z0-9_-]{1,64})\.json$/.exec(name);
    if (!request) {
      const temp = /^\.[A-Za-z0-9_-]{1,64}\.tmp$/.test(name);
      if (temp) {
        // Being written; a temp file nobody renames is removed eventually.
        const st = fs.lstatSync(file, { throwIfNoEntry: false });
        if (st && Date.now() - st.mtimeMs < STALE_TEMP_MS) return;
      }
      remove(name);
      return;
    }
    const id = request[1]!;
    const buf = readSandboxFile(file, { max: MAX_REQUEST_BYTES + 1 });
    remove(name);
    if (!buf) return respond(id, { ok: false, error: "the request is not a regular file" });
    if (buf.length > MAX_REQUEST_BYTES)
      return respond(id, { ok: false, error: `a request is at most ${MAX_REQUEST_BYTES} bytes` });
    if (++handled > MAX_REQUESTS) return respond(id, { ok: false, error: `at most ${MAX_REQUESTS} requests per step` });
    let parsed: ControlRequest;
    try {
      const r = ControlRequest.safeParse(JSON.parse(buf.toString("utf8")));
      if (!r.success)
        return respond(id, { ok: false, error: `invalid request: ${z.prettifyError(r.error).slice(0, 500)}` });
      parsed = r.data;
    } catch {
      return respond(id, { ok: false, error: "the request is not JSON" });
    }
    inFlight++;
    control
      .handle(parsed)
      .then(
        (result) => respond(id, { ok: true, result }),
        (err: unknown) =>
          respond(id, {
            ok: false,
            error: err instanceof ControlError ? err.message : `the lab failed: ${(err as Error).message}`,
          }),
      )
      .finally(() => inFlight--);
  };

  const tick = () => {
    if (closed) return;
    try {
      const dir = fs.opendirSync(dirs.requests);
      try {
        for (let i = 0; i < MAX_SCAN && inFlight < MAX_IN_FLIGHT; i++) {
          const entry = dir.readSync();
          if (!entry) break;
          if (!seen.has(entry.name)) take(entry.name);
        }
      } finally {
        dir.closeSync();
      }
    } catch {
      // the folder is gone: the step is ending
    }
    timer = setTimeout(tick, POLL_MS);
  };
  timer = setTimeout(tick, 0);

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      control.close();
    },
  };
}
