import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { ROOT_DIR } from "../config.ts";
import { sleep } from "./stats.ts";
import { TermLink, timeLeft } from "./termlink.ts";

/**
 * wetty (https://github.com/butlerx/wetty), the peer web terminal the terminal bench compares
 * against: installed on demand outside git (never a dependency of the lab), run as a child
 * process on loopback with a plain `bash`, driven with socket.io-client like its own client.
 */
export const WETTY_DIR = path.join(ROOT_DIR, ".cache", "wetty");
const PKG = path.join(WETTY_DIR, "node_modules", "wetty", "package.json");
const PTY = path.join(WETTY_DIR, "node_modules", "node-pty", "build", "Release", "pty.node");

/** The part of socket.io-client's Socket this bench uses (its types live outside the repo). */
type IoSocket = {
  connected: boolean;
  on(event: string, fn: (...args: never[]) => void): IoSocket;
  once(event: string, fn: (...args: never[]) => void): IoSocket;
  emit(event: string, ...args: unknown[]): IoSocket;
  close(): void;
};
type Io = (url: string, opts: Record<string, unknown>) => IoSocket;

export type WettyInstall = { version: string; main: string; io: Io };

/** wetty 3 in .cache/wetty (npm install on first use), its version, entry point and client. */
export async function ensureWetty(log: (m: string) => void): Promise<WettyInstall> {
  const installed = () =>
    fs.existsSync(PKG) &&
    (JSON.parse(fs.readFileSync(PKG, "utf8")) as { version: string }).version.startsWith("3.") &&
    fs.existsSync(PTY);
  if (!installed()) {
    log(`installing wetty@3 into ${path.relative(ROOT_DIR, WETTY_DIR)}…`);
    fs.mkdirSync(WETTY_DIR, { recursive: true });
    await promisify(execFile)("npm", ["install", "--prefix", WETTY_DIR, "wetty@3", "--no-audit", "--no-fund"], {
      timeout: 180_000,
      maxBuffer: 16 << 20,
    }).catch((err: Error & { stderr?: string }) => {
      throw new Error(
        `npm install wetty@3 failed: ${(err.stderr ?? err.message).trim().split("\n").slice(-3).join(" / ")}`,
      );
    });
    if (!fs.existsSync(PTY))
      throw new Error(
        `wetty installed but node-pty's native module was not built (${path.relative(ROOT_DIR, PTY)} missing: npm skipped its install script)`,
      );
  }
  const pkg = JSON.parse(fs.readFileSync(PKG, "utf8")) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === "string" ? pkg.bin : (pkg.bin.wetty ?? Object.values(pkg.bin)[0]!);
  const require = createRequire(PKG);
  const client = require("socket.io-client") as { io: Io };
  return { version: pkg.version, main: path.join(path.dirname(PKG), bin), io: client.io };
}

/** A free loopback port (the listener is closed again; wetty takes it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export type WettyServer = { pid: number; url: string; argv: string[]; stop: () => Promise<void> };

/**
 * Starts wetty on 127.0.0.1. As root with the ssh host left at `localhost`, wetty runs
 * `--command` directly on a pty (`/usr/bin/env -S bash`), no ssh and no login prompt
 * (build/server/command.js); anyone else would be sent to ssh. HOME is an empty temp folder.
 *
 * Each wetty shell moves itself into a CPU cgroup of its own beside the lab's sandboxes
 * (under `backlab/`, as a sandbox's shell runs), so on a busy machine both terminals' shells
 * get the same scheduling; otherwise the sandboxes' one group competes with every process
 * of the machine while wetty's shells each count as one, and the comparison measures that.
 */
export async function startWetty(install: WettyInstall): Promise<WettyServer> {
  if (process.getuid?.() !== 0)
    throw new Error("wetty runs a local command only when it runs as root (otherwise it goes through ssh)");
  const port = await freePort();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-wetty-"));
  const groups = sandboxCpuParent();
  const tag = `bench-wetty-${path.basename(home).slice(-6)}`;
  const shell = path.join(home, "shell.sh");
  fs.writeFileSync(
    shell,
    `#!/bin/sh\n${groups ? `d=${groups}/${tag}-$$; mkdir "$d" 2>/dev/null && echo $$ > "$d/cgroup.procs" 2>/dev/null\n` : ""}exec bash\n`,
    { mode: 0o755 },
  );
  const argv = [
    install.main,
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--command",
    shell,
    "--log-level",
    "error",
  ];
  const child: ChildProcess = spawn(process.execPath, argv, {
    cwd: home,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (b: Buffer) => void (log = (log + b.toString()).slice(-2000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (!exited) {
      child.kill("SIGTERM");
      const hard = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exit;
      clearTimeout(hard);
    }
    fs.rmSync(home, { recursive: true, force: true });
    // A cgroup is removed with rmdir once empty: its shell goes when the pty closes.
    for (const d of groups ? fs.readdirSync(groups).filter((n) => n.startsWith(tag)) : [])
      for (let tries = 0; tries < 20; tries++) {
        try {
          fs.rmdirSync(path.join(groups!, d));
          break;
        } catch {
          await sleep(100);
        }
      }
  };
  const url = `http://127.0.0.1:${port}`;
  const until = performance.now() + 15_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`wetty exited at start: ${log.trim().slice(-300)}`);
    }
    const up = await fetch(url + "/", { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    if (performance.now() > until) {
      await stop();
      throw new Error(`wetty did not answer on ${url} within 15 s: ${log.trim().slice(-300)}`);
    }
    await sleep(100);
  }
  return {
    pid: child.pid!,
    url,
    argv: ["node", ...argv.map((a) => (a === install.main ? path.relative(ROOT_DIR, a) : a))],
    stop,
  };
}

/**
 * A wetty client that behaves like wetty's own (src/client/wetty): `input` carries
 * keystrokes, `data` carries output, and it `commit`s 256 KiB at a time as it receives them
 * (its FlowControlClient; the server pauses the pty above 2 MiB uncommitted). WebSocket
 * transport only, so latency is over a WebSocket as for Backlab's terminal.
 */
export class WettyLink extends TermLink {
  static readonly ACK_BYTES = 262_144;
  readonly ready: Promise<void>;
  private socket: IoSocket;
  private uncommitted = 0;

  constructor(install: WettyInstall, url: string) {
    super();
    this.socket = install.io(url, {
      path: "/socket.io",
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
    });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("connect", () => this.socket.emit("resize", { cols: 80, rows: 24 }));
      this.socket.once("login", () => resolve());
      this.socket.once("connect_error", (err: Error) => reject(new Error(`wetty: ${err.message}`)));
      this.socket.once("disconnect", (why: string) => reject(new Error(`wetty disconnected: ${why}`)));
    });
    this.ready.catch(() => {});
    this.socket.on("data", (data: string) => {
      this.uncommitted += data.length;
      if (this.uncommitted >= WettyLink.ACK_BYTES) {
        this.uncommitted -= WettyLink.ACK_BYTES;
        this.socket.emit("commit", WettyLink.ACK_BYTES);
      }
      this.feed(data, data.length);
    });
    this.socket.on("disconnect", (why: string) => this.lost(new Error(`wetty disconnected: ${why}`)));
    this.socket.on("logout", () => this.lost(new Error("wetty: the shell exited")));
  }

  send(text: string): void {
    this.socket.emit("input", text);
  }

  async close(): Promise<void> {
    this.socket.close();
    await sleep(Math.min(50, Math.max(0, timeLeft())));
  }
}

/** The folder of the lab's sandbox CPU cgroups (v2 or v1's cpu hierarchy), if it is there. */
function sandboxCpuParent(): string | null {
  for (const dir of ["/sys/fs/cgroup/backlab", "/sys/fs/cgroup/cpu/backlab"])
    if (fs.existsSync(path.join(dir, "cgroup.procs"))) return dir;
  return null;
}
