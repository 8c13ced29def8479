import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureRuntime, TEST_RUNTIME_DIR } from "../../setup/runtime.ts";
import type { Sandbox, SandboxLimits, SandboxProcess } from "../../../graders/sandbox/port.ts";
import { BwrapDriver } from "./driver.ts";

const LIMITS: SandboxLimits = {
  memoryMb: 256,
  pids: 64,
  cpuSeconds: 30,
  cpus: 1,
  fileSizeMb: 8,
  tmpMb: 8,
  openFiles: 256,
};
const UID = 250_001;
let root: string;
let driver: BwrapDriver;
let sandbox: Sandbox;
let workspace: string;

async function run(argv: string[], timeoutMs = 15_000, sb = sandbox) {
  const p = sb.exec(argv, { timeoutMs });
  p.end();
  let out = "";
  p.onData((c) => (out += c.toString()));
  const exit = await p.wait();
  return { ...exit, out };
}

const sh = (script: string, timeoutMs?: number, sb?: Sandbox) => run(["/bin/sh", "-c", script], timeoutMs, sb);

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-bwrap-"));
  fs.chmodSync(root, 0o711);
  const runtime = ensureRuntime(TEST_RUNTIME_DIR, "node20");
  driver = new BwrapDriver({ stateDir: root, runtimes: () => runtime, labId: `t${process.pid}` });
  const status = await driver.available();
  // Under CI this must fail loudly, never skip: the sandbox is the product's security boundary.
  expect(status, "bubblewrap must be installed and usable (npm test installs it as root)").toMatchObject({ ok: true });
  workspace = path.join(root, "ws");
  fs.mkdirSync(workspace, { mode: 0o700 });
  fs.chownSync(workspace, UID, UID);
  sandbox = await driver.create({
    name: "ws-test",
    runtime: "node20",
    workspaceDir: workspace,
    limits: LIMITS,
    uid: UID,
    network: "none",
  });
});

afterAll(async () => {
  await sandbox?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("bwrap sandbox", () => {
  it("runs as a non-root user, and as the workspace's own uid on the host", async () => {
    const p = sandbox.exec(["/bin/sh", "-c", "id -u; sleep 2"], { timeoutMs: 10_000 });
    let out = "";
    p.onData((c) => (out += c.toString()));
    await new Promise((r) => setTimeout(r, 500));
    const hostUids = fs
      .readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .map((pid) => {
        try {
          return /Uid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
        } catch {
          return undefined;
        }
      });
    p.kill();
    await p.wait();
    expect(out.trim()).toBe("1000");
    if (process.getuid?.() === 0) expect(hostUids).toContain(String(UID));
  });

  it("has no network interface but loopback and no route", async () => {
    const { out, code } = await sh(
      "cat /proc/net/dev; echo ---; cat /proc/net/route; echo ---; cat /proc/net/ipv6_route 2>/dev/null",
    );
    expect(code).toBe(0);
    const [dev, route, route6] = out.split("---\n");
    const ifaces = dev!
      .split("\n")
      .slice(2)
      .filter(Boolean)
      .map((l) => l.split(":")[0]!.trim());
    expect(ifaces).toEqual(["lo"]);
    expect(route!.trim().split("\n").slice(1)).toEqual([]);
    // IPv6 keeps its loopback entries; every route there must be on lo.
    const devices6 = (route6 ?? "")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/).at(-1));
    expect(devices6.every((d) => d === "lo")).toBe(true);
  });

  it("sees the system read-only and the workspace and /tmp writable", async () => {
    const { out } = await sh(
      "touch /usr/x 2>/dev/null && echo usr-writable; touch /x 2>/dev/null && echo root-writable; touch /etc/x 2>/dev/null && echo etc-writable; echo hi > /workspace/f && echo ws-ok; echo hi > /tmp/f && echo tmp-ok",
    );
    expect(out.split("\n").filter(Boolean)).toEqual(["ws-ok", "tmp-ok"]);
    expect(fs.readFileSync(path.join(workspace, "f"), "utf8")).toBe("hi\n");
  });

  it("does not see the host's files, the lab's data or the exercises", async () => {
    const { out } = await sh("ls /; ls /home /root /work /srv /grader 2>&1 | head; cat /etc/shadow 2>&1; ls /etc");
    expect(out).not.toMatch(/exercises|backlab\.db|solution/);
    expect(out).toMatch(/No such file/);
    expect(out.split("\n")).not.toContain("shadow");
  });

  it("caps /tmp at its size limit", async () => {
    // Several files under the per-file limit, together over the /tmp limit.
    const { out } = await sh(
      "for i in 1 2 3 4; do dd if=/dev/zero of=/tmp/big$i bs=1M count=4 2>&1 | grep -o 'No space left on device'; done; du -sm /tmp | cut -f1",
    );
    expect(out).toMatch(/No space left on device/);
    expect(Number(out.trim().split("\n").at(-1))).toBeLessThanOrEqual(LIMITS.tmpMb);
  });

  it("stops a file at the per-file size limit", async () => {
    const { out } = await sh("dd if=/dev/zero of=/workspace/huge bs=1M count=64 2>&1 | head -1; rm -f /workspace/huge");
    expect(out).toMatch(/File size limit exceeded/);
  });

  it("kills a memory bomb", async () => {
    const { code, signal } = await run(
      ["node", "-e", "const a=[];for(;;)a.push(Buffer.alloc(16*1024*1024,1))"],
      30_000,
    );
    expect(code === 137 || signal === "SIGKILL" || code === 134).toBe(true);
  });

  it("contains a fork bomb and stays usable", async () => {
    const bomb = await sh("for i in $(seq 200); do sleep 5 & done 2>&1 | tail -1; echo spawned", 20_000);
    expect(bomb.out).toMatch(/fork|Resource temporarily unavailable|retry/i);
    await sh("pkill sleep; true");
    const after = await sh("echo alive");
    expect(after.out.trim()).toBe("alive");
  });

  it("kills a command that exceeds its wall time, with every child", async () => {
    const t0 = Date.now();
    const r = await sh("sleep 100 & sleep 100", 800);
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const ps = await sh("ps -e -o comm= | grep -c sleep || true");
    expect(ps.out.trim()).toBe("0");
  });

  it("runs a shell on a terminal: resize reaches it, Ctrl-C interrupts, exit ends it", async () => {
    const shell: SandboxProcess = sandbox.exec(["/bin/bash", "-i"], { tty: true, cols: 100, rows: 30 });
    let screen = "";
    shell.onData((c) => (screen += c.toString()));
    const waitFor = async (re: RegExp) => {
      const until = Date.now() + 10_000;
      while (!re.test(screen)) {
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${re}; screen: ${JSON.stringify(screen.slice(-300))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor(/\$ $/);
    shell.write("stty size\r");
    await waitFor(/30 100/);
    shell.resize(120, 40);
    shell.write("stty size\r");
    await waitFor(/40 120/);
    shell.write("sleep 100\r");
    await new Promise((r) => setTimeout(r, 200));
    shell.write("\x03");
    shell.write("echo after-$((40+2))\r");
    await waitFor(/after-42/);
    shell.write("exit\r");
    const exit = await shell.wait();
    expect(exit.timedOut).toBe(false);
  });

  it("leaves no process behind when stopped", async () => {
    const sb = await driver.create({
      name: "ws-stop",
      runtime: "node20",
      workspaceDir: workspace,
      limits: LIMITS,
      uid: UID + 1,
      network: "none",
    });
    const p = sb.exec(["/bin/sh", "-c", "(setsid sleep 300 &) ; sleep 300"], { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    await sb.stop();
    await p.wait();
    await new Promise((r) => setTimeout(r, 200));
    const left = fs
      .readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          return new RegExp(`Uid:\\s+${UID + 1}\\s`).test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        } catch {
          return false;
        }
      });
    expect(left).toEqual([]);
  });
});
