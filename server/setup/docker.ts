import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import Docker from "dockerode";
import { which } from "../sandbox/util.ts";
import { ensurePackage, SetupError } from "./system.ts";

/** The Docker Engine socket the lab talks to (also what docker/compose.yaml mounts). */
export const DOCKER_SOCKET = "/var/run/docker.sock";
const DOCKERD_LOG = "/var/log/backlab-dockerd.log";
const START_TIMEOUT_MS = 60_000;

/** A client for long calls (builds, imports, runs): no request timeout. */
export function dockerClient(socketPath = DOCKER_SOCKET): Docker {
  return new Docker({ socketPath });
}

export type DockerStatus = { ok: true } | { ok: false; reason: string };

/** Pings the engine; no side effects. Answers within about `timeoutMs`. */
export async function dockerAvailable(socketPath = DOCKER_SOCKET, timeoutMs = 2_000): Promise<DockerStatus> {
  if (!fs.existsSync(socketPath))
    return { ok: false, reason: `no Docker socket at ${socketPath} (is Docker installed and running?)` };
  const client = new Docker({ socketPath, timeout: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), timeoutMs + 200);
  });
  try {
    await Promise.race([client.ping(), timeout]);
    return { ok: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES")
      return {
        ok: false,
        reason: `permission denied on ${socketPath}: run as root or add this user to the docker group`,
      };
    if (code === "ECONNREFUSED" || code === "ENOENT")
      return { ok: false, reason: `Docker is not running (${socketPath} refuses connections)` };
    const msg = err instanceof Error ? err.message : String(err);
    if (/timeout/i.test(msg))
      return { ok: false, reason: `Docker did not answer on ${socketPath} within ${timeoutMs} ms` };
    return { ok: false, reason: `Docker did not answer on ${socketPath}: ${msg}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes sure a Docker Engine answers on the socket. Fast when it already does (one ping,
 * nothing installed: inside the compose deployment only the socket is there). Otherwise,
 * as root: installs Debian's docker.io if dockerd is missing, then starts the engine —
 * through systemd when the host runs it, else as a detached `dockerd` (its own session,
 * output in /var/log/backlab-dockerd.log) — and waits up to 60 s for it to answer.
 */
export async function ensureDocker(log: (m: string) => void, socketPath = DOCKER_SOCKET): Promise<void> {
  const first = await dockerAvailable(socketPath);
  if (first.ok) return;
  if (process.getuid?.() !== 0)
    throw new SetupError(
      `${first.reason}. Start Docker (e.g. \`sudo systemctl start docker\`) and give this user access to ${socketPath}.`,
    );
  ensurePackage("dockerd", "docker.io", log);

  let exited: string | null = null;
  if (fs.existsSync("/run/systemd/system") && which("systemctl")) {
    log("starting Docker (systemctl start docker)…");
    const r = spawnSync("systemctl", ["start", "docker"], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: START_TIMEOUT_MS,
    });
    if (r.status !== 0)
      exited = `systemctl start docker failed: ${r.stderr?.toString().trim() || `status ${r.status}`}`;
  } else {
    log(`starting dockerd in the background (log: ${DOCKERD_LOG})…`);
    const out = fs.openSync(DOCKERD_LOG, "a");
    try {
      const child = spawn(which("dockerd") ?? "dockerd", [], { detached: true, stdio: ["ignore", out, out] });
      child.on("error", (err) => (exited = `could not start dockerd: ${err.message}`));
      child.on(
        "exit",
        (code, sig) =>
          (exited = `dockerd exited (${sig ?? `code ${code}`}); see ${DOCKERD_LOG}:\n${tail(DOCKERD_LOG, 10)}`),
      );
      child.unref();
    } finally {
      fs.closeSync(out);
    }
  }

  const deadline = Date.now() + START_TIMEOUT_MS;
  let reason = first.reason;
  while (Date.now() < deadline) {
    const now = await dockerAvailable(socketPath, 1_000);
    if (now.ok) return;
    reason = now.reason;
    if (exited) throw new SetupError(exited);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new SetupError(`Docker did not come up within ${START_TIMEOUT_MS / 1000} s: ${reason}; see ${DOCKERD_LOG}`);
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
