import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../config.ts";
import { createLogger, type Logger } from "../logger.ts";
import Docker from "dockerode";
import { labIdFor, startLab, type Lab } from "../main.ts";
import { unmount } from "../workspaces/quota.ts";
import type { SandboxDriver } from "../../graders/sandbox/port.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";

export type TestLab = Lab & { dataDir: string };

/** A real lab on a free port with its own data folder; the sandbox runtime is shared. */
export async function startTestLab(
  env: Record<string, string> = {},
  opts: { driver?: SandboxDriver; logger?: Logger } = {},
): Promise<TestLab> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-test-"));
  const config = loadConfig({
    PORT: "0",
    DATA_DIR: dataDir,
    RUNTIME_DIR: TEST_RUNTIME_DIR,
    LOG_LEVEL: "silent",
    NODE_ENV: "test",
    SANDBOX_DRIVER: "bwrap",
    SANDBOX_POOL_SIZE: "0",
    ...env,
  });
  const lab = await startLab(config, opts.logger ?? createLogger(config.logLevel), { driver: opts.driver });
  return {
    ...lab,
    dataDir,
    close: async () => {
      await lab.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in API client: JSON in and out, the session cookie and its CSRF token kept. */
export class Client {
  cookie = "";
  csrf = "";

  constructor(readonly base: string) {}

  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(this.base + url, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== "GET" ? { "x-csrf-token": this.csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      redirect: "manual",
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith("backlab_session="));
    if (set) this.cookie = set.split(";")[0]!;
    // Sign-in answers (and /me) carry the session's CSRF token, sent back on every write.
    if (res.ok && url.startsWith("/api/auth/") && res.headers.get("content-type")?.includes("application/json")) {
      const token = ((await res.clone().json()) as { csrfToken?: unknown }).csrfToken;
      if (typeof token === "string") this.csrf = token;
    }
    return res;
  }

  async json<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; res: Response }> {
    const res = await this.request(method, url, body);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, res };
  }

  static async signup(base: string, name = "learner"): Promise<Client> {
    const c = new Client(base);
    const email = `${name}-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const r = await c.json("POST", "/api/auth/signup", { email, displayName: name, password: "correct horse battery" });
    if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.body)}`);
    return c;
  }
}

/** Polls a submission until it is graded. */
export async function waitForResult(client: Client, id: number, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { body } = await client.json<{ submission: { status: string; result: Record<string, unknown> | null } }>(
      "GET",
      `/api/submissions/${id}`,
    );
    if ((body.submission.status === "done" || body.submission.status === "error") && body.submission.result)
      return body.submission.result;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`submission ${id} not graded within ${timeoutMs} ms`);
}

export function copyDir(src: string, dst: string, uid: number): void {
  fs.cpSync(src, dst, { recursive: true, force: true });
  for (const f of fs.readdirSync(dst, { recursive: true }) as string[]) fs.chownSync(path.join(dst, f), uid, uid);
}

/**
 * Leaves nothing of a lab that was killed or stopped without purging: its containers,
 * every mount under its data folder (workspaces, the warm pool), the folder itself.
 */
export async function purgeDataDir(dataDir: string): Promise<void> {
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const containers = await docker
    .listContainers({ all: true, filters: { label: [`backlab.lab=${labIdFor(dataDir)}`] } })
    .catch(() => []);
  for (const c of containers)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
  const mounts = fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((m) => m === dataDir || m.startsWith(dataDir + path.sep))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) unmount(m);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
