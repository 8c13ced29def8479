import type { Sandbox, SandboxProcess } from "../sandbox/port.ts";
import { ServiceError, type RunningService } from "./port.ts";

const LOG_MAX = 16 * 1024;

/**
 * Runs a server's start command in the sandbox and resolves once its output says it is ready
 * (a line the server prints itself: no client polling, no extra process per attempt). It is
 * ended with the sandbox, or by `stop()`. `keepStdin`: the lab writes to the script's stdin.
 */
export function startWatched(
  sandbox: Sandbox,
  o: { name: string; argv: string[]; ready: RegExp; deadline: number; keepStdin?: boolean },
): Promise<RunningService & { readonly proc: SandboxProcess }> {
  const t0 = Date.now();
  const proc: SandboxProcess = sandbox.exec(o.argv);
  // Kept open only by a server whose start script takes the lab's admin requests on stdin.
  if (!o.keepStdin) proc.end();
  let log = "";
  let exited: string | null = null;
  const running = {
    proc,
    name: o.name,
    startMs: 0,
    log: () => log,
    exited: () => exited,
    stop: async () => {
      proc.kill("SIGKILL");
      await proc.wait();
    },
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(new ServiceError(`${o.name} did not start: ${why}${log ? `\n${log.slice(-1500)}` : ""}`));
    };
    const timer = setTimeout(
      () => fail(`not ready within ${Math.round((o.deadline - t0) / 100) / 10} s`),
      Math.max(0, o.deadline - t0),
    );
    proc.onData((chunk) => {
      log = (log + chunk.toString("utf8")).slice(-LOG_MAX);
      if (!settled && o.ready.test(log)) {
        settled = true;
        clearTimeout(timer);
        resolve(Object.assign(running, { startMs: Date.now() - t0 }));
      }
    });
    void proc.wait().then((e) => {
      exited = e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
      fail(exited);
    });
  });
}
