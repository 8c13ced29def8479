/**
 * The hostile battery, part of the driver conformance suite: each attack runs as learner code
 * inside a real sandbox of the target's driver, and each test asserts containment AND that a
 * neighbouring sandbox still answers. Expressed against the sandbox port only, so any driver
 * (bwrap, Docker, a future Kubernetes one) is held to the same checks. Nothing skips: a
 * missing bubblewrap or Docker engine fails the run.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyTree } from "../../../graders/sandbox/files.ts";
import type { Sandbox, SandboxDriver } from "../../../graders/sandbox/port.ts";
import { mountWorkspaceImage, unmount } from "../../workspaces/quota.ts";
import { type ConformanceTarget, LIMITS, openTarget, run } from "./target.ts";

const QUOTA_MB = 48;

export function hostileBattery(target: ConformanceTarget): void {
  const { name } = target;
  describe(`hostile battery on ${name}`, () => {
    let root: string;
    let driver: SandboxDriver;
    let uid = target.uidBase;
    const boxes: { sandbox: Sandbox; dir: string }[] = [];
    let victim: { sandbox: Sandbox; dir: string };
    let neighbour: { sandbox: Sandbox; dir: string };

    async function box(): Promise<{ sandbox: Sandbox; dir: string }> {
      const id = ++uid;
      const dir = path.join(root, `ws-${id}`);
      mountWorkspaceImage(dir, `${dir}.img`, QUOTA_MB, id);
      fs.writeFileSync(path.join(dir, "mine.txt"), `secret of ${id}\n`);
      fs.chownSync(path.join(dir, "mine.txt"), id, id);
      const sandbox = await driver.create({
        name: `bat-${id}`,
        runtime: "node20",
        workspaceDir: dir,
        limits: LIMITS,
        uid: id,
        network: "none",
      });
      const b = { sandbox, dir };
      boxes.push(b);
      return b;
    }

    /** The neighbour answers a trivial command promptly (a liveness bound, not a benchmark). */
    async function neighbourHealthy(): Promise<void> {
      const t0 = Date.now();
      const r = await run(neighbour.sandbox, "echo alive", 10_000);
      expect(r.out.trim()).toBe("alive");
      expect(Date.now() - t0).toBeLessThan(5_000);
    }

    beforeAll(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), `backlab-battery-${name}-`));
      fs.chmodSync(root, 0o711);
      driver = await openTarget(target, root, `hb${name[0]}${process.pid}`);
      expect(await driver.available()).toMatchObject({ ok: true });
      victim = await box();
      neighbour = await box();
    }, 600_000);

    afterAll(async () => {
      for (const b of boxes) await b.sandbox.stop();
      await driver?.reap();
      await driver?.close();
      for (const b of boxes) unmount(b.dir);
      fs.rmSync(root, { recursive: true, force: true });
    });

    it("fork bomb: stopped at the pids limit, the neighbour unaffected", async () => {
      const bomber = await box();
      const r = await run(bomber.sandbox, "bomb() { bomb | bomb & }; bomb; sleep 3; echo survived", 30_000);
      expect(r.out).toMatch(/fork|Resource temporarily unavailable|retry|survived/i);
      await neighbourHealthy();
      await bomber.sandbox.stop();
    });

    it("memory bomb: killed by the memory limit", async () => {
      const r = await run(
        victim.sandbox,
        "node -e 'const a=[];for(;;)a.push(Buffer.alloc(8*1024*1024,1))'; echo exit=$?",
        60_000,
      );
      expect(r.out).toMatch(/exit=(137|134)/);
      await neighbourHealthy();
    });

    it("CPU spin: held to its CPU share while the neighbour keeps answering", async () => {
      const spin = victim.sandbox.exec(["node", "-e", "for(;;){}"], { timeoutMs: 15_000 });
      await new Promise((r) => setTimeout(r, 1500));
      await neighbourHealthy();
      spin.kill("SIGKILL");
      await spin.wait();
    });

    it("disk fill: the workspace size limit holds", async () => {
      const r = await run(
        victim.sandbox,
        "for i in $(seq 1 20); do head -c 8M /dev/zero > /workspace/fill$i || break; done; df -m /workspace | tail -1; rm -f /workspace/fill*",
        60_000,
      );
      expect(r.out).toMatch(/No space left on device/);
      const img = fs.statSync(`${victim.dir}.img`);
      expect(img.size).toBeLessThanOrEqual(QUOTA_MB * 1024 * 1024);
      await neighbourHealthy();
    });

    it("terminal output flood: Ctrl-C stops it and the neighbour keeps answering", async () => {
      const term = victim.sandbox.exec(["/bin/bash", "-i"], { tty: true, cols: 80, rows: 24 });
      let bytes = 0;
      let tail = "";
      term.onData((c) => {
        bytes += c.length;
        tail = (tail + c.toString()).slice(-2000);
      });
      await new Promise((r) => setTimeout(r, 500));
      term.write("yes flood\r");
      await new Promise((r) => setTimeout(r, 2000));
      await neighbourHealthy();
      term.write("\x03");
      await new Promise((r) => setTimeout(r, 500));
      tail = "";
      term.write("echo stopped-$((6*7))\r");
      const until = Date.now() + 10_000;
      while (!/stopped-42/.test(tail) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(tail).toMatch(/stopped-42/);
      expect(bytes).toBeGreaterThan(100_000);
      term.kill("SIGKILL");
      await term.wait();
    });

    it("network egress: only loopback, no route, and a listener in a namespace we made is unreachable", async () => {
      const r = await run(victim.sandbox, "cat /proc/net/dev; echo ---; cat /proc/net/route");
      const [dev, route] = r.out.split("---\n");
      expect(
        dev!
          .split("\n")
          .slice(2)
          .filter(Boolean)
          .map((l) => l.split(":")[0]!.trim()),
      ).toEqual(["lo"]);
      expect(route!.trim().split("\n").slice(1)).toEqual([]);

      // A host of our own: a network namespace joined to this one by a veth pair.
      const ns = `blt${process.pid % 10000}${name[0]}`;
      const hostIf = `${ns}h`;
      const { subnet } = target;
      const sh = (cmd: string) => execFileSync("/bin/sh", ["-c", cmd], { stdio: "pipe" });
      sh(
        `ip netns add ${ns} && ip link add ${hostIf} type veth peer name ${ns}n && ip link set ${ns}n netns ${ns} && ip addr add ${subnet}.1/30 dev ${hostIf} && ip link set ${hostIf} up && ip netns exec ${ns} ip addr add ${subnet}.2/30 dev ${ns}n && ip netns exec ${ns} ip link set ${ns}n up && ip netns exec ${ns} ip link set lo up`,
      );
      const server = spawn(
        "ip",
        [
          "netns",
          "exec",
          ns,
          process.execPath,
          "-e",
          `require("net").createServer((s)=>s.end("reached\\n")).listen(8099,"${subnet}.2",()=>console.log("up"))`,
        ],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      try {
        await new Promise<void>((resolve) => server.stdout!.once("data", () => resolve()));
        // From the host the listener answers: the namespace is real.
        const reached = await new Promise<string>((resolve, reject) => {
          const s = net.connect(8099, `${subnet}.2`, () => s.once("data", (d) => resolve(d.toString())));
          s.on("error", reject);
        });
        expect(reached).toBe("reached\n");
        // From the sandbox it does not.
        const attempt = await run(
          victim.sandbox,
          `node -e 'const s=require("net").connect(8099,"${subnet}.2");s.on("data",d=>{console.log("REACHED");process.exit(0)});s.on("error",e=>{console.log("ERR",e.code);process.exit(0)});setTimeout(()=>{console.log("TIMEOUT");process.exit(0)},3000)'`,
        );
        expect(attempt.out).not.toMatch(/REACHED/);
        expect(attempt.out).toMatch(/ERR (ENETUNREACH|EHOSTUNREACH|ECONNREFUSED)|TIMEOUT/);
      } finally {
        server.kill("SIGKILL");
        sh(`ip netns del ${ns}; ip link del ${hostIf} 2>/dev/null || true`);
      }
    });

    it("a grader joined to a sandbox's network reaches its service on loopback; a stranger does not", async () => {
      const server = victim.sandbox.exec(
        [
          "node",
          "-e",
          "require('http').createServer((q,s)=>s.end('svc-ok')).listen(3999,'127.0.0.1',()=>console.log('listening'))",
        ],
        { timeoutMs: 30_000 },
      );
      let out = "";
      server.onData((c) => (out += c.toString()));
      const until = Date.now() + 10_000;
      while (!out.includes("listening") && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      const dir = path.join(root, `grader-${Date.now()}`);
      fs.mkdirSync(dir);
      fs.chownSync(dir, uid + 500, uid + 500);
      const grader = await driver.create({
        name: `bat-g-${uid}`,
        runtime: "node20",
        workspaceDir: dir,
        limits: LIMITS,
        uid: uid + 500,
        network: { join: victim.sandbox },
      });
      boxes.push({ sandbox: grader, dir });
      const fetchIt = `node -e 'fetch("http://127.0.0.1:3999").then(r=>r.text()).then(t=>console.log("GOT",t),e=>console.log("ERR",e.cause?.code??e.message))'`;
      const joined = await run(
        grader,
        `${fetchIt}; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; tail -n +2 /proc/net/route | wc -l`,
      );
      expect(joined.out).toContain("GOT svc-ok");
      expect(joined.out).toMatch(/\nlo\n0\n?$/);
      // The grader does not see the service's files.
      expect((await run(grader, "ls /workspace; cat /proc/1/cmdline 2>/dev/null | tr '\\0' ' '")).out).not.toContain(
        "mine.txt",
      );
      const stranger = await run(neighbour.sandbox, fetchIt);
      expect(stranger.out).toMatch(/ERR (ECONNREFUSED|fetch failed)/);
      server.kill("SIGKILL");
      await server.wait();
    });

    it("cannot read the exercises, the lab's data or another learner's workspace", async () => {
      const r = await run(
        victim.sandbox,
        `ls ${path.dirname(neighbour.dir)} 2>&1; cat ${neighbour.dir}/mine.txt 2>&1; ls /work /exercises /grader 2>&1; cat /workspace/mine.txt`,
      );
      expect(r.out).toContain(`secret of ${path.basename(victim.dir).slice(3)}`);
      expect(r.out).not.toContain(`secret of ${path.basename(neighbour.dir).slice(3)}`);
      expect(r.out).not.toMatch(/backlab\.db|solution|token-bucket/);
    });

    it("links planted in the workspace never make the server read or copy a host file", async () => {
      const r = await run(
        victim.sandbox,
        "ln -s /etc/shadow /workspace/leak; ln /usr/bin/env /workspace/hard 2>&1 || echo no-hardlink; ls -la /workspace",
      );
      expect(r.out).toMatch(/no-hardlink|Invalid cross-device link|Operation not permitted/);
      // The grading path copies the workspace: the link is copied as a link, never followed.
      const snapshot = path.join(root, `snap-${Date.now()}`);
      copyTree(victim.dir, snapshot);
      expect(fs.lstatSync(path.join(snapshot, "leak")).isSymbolicLink()).toBe(true);
      expect(fs.existsSync(path.join(snapshot, "hard"))).toBe(false);
      // Inside a sandbox the link resolves in the sandbox's own view, where there is no shadow file.
      const inside = await run(victim.sandbox, "cat /workspace/leak 2>&1 | head -1");
      expect(inside.out).not.toMatch(/^root:/m);
      await run(victim.sandbox, "rm -f /workspace/leak /workspace/hard");
    });

    it("setuid binaries give no privilege: no new privileges, no capabilities", async () => {
      const r = await run(
        victim.sandbox,
        "grep -E '^(NoNewPrivs|CapEff|CapBnd|Uid)' /proc/self/status; cp /bin/sh /workspace/suid 2>/dev/null; chmod u+s /workspace/suid 2>&1; /workspace/suid -c 'id -u'; mount -t tmpfs none /tmp 2>&1 | head -1; rm -f /workspace/suid",
      );
      expect(r.out).toMatch(/NoNewPrivs:\s+1/);
      expect(r.out).toMatch(/CapEff:\s+0+\n/);
      expect(r.out).not.toMatch(/^0$/m);
      expect(r.out).toMatch(/permission denied|must be superuser|not permitted/i);
    });

    it("exhausting file descriptors stops at the limit, the neighbour unaffected", async () => {
      const r = await run(
        victim.sandbox,
        `node -e 'const fs=require("fs");let n=0;try{for(;;){fs.openSync("/dev/null","r");n++}}catch(e){console.log(e.code,n)}'`,
      );
      expect(r.out).toMatch(/EMFILE \d+/);
      expect(Number(/EMFILE (\d+)/.exec(r.out)![1])).toBeLessThanOrEqual(LIMITS.openFiles);
      await neighbourHealthy();
    });

    it("no process outlives the sandbox", async () => {
      const b = await box();
      const p = b.sandbox.exec(
        ["/bin/sh", "-c", "(setsid sleep 600 &); (nohup sleep 600 >/dev/null 2>&1 &); sleep 600"],
        { timeoutMs: 60_000 },
      );
      await new Promise((r) => setTimeout(r, 700));
      await b.sandbox.stop();
      await p.wait();
      const owned = () =>
        fs
          .readdirSync("/proc")
          .filter((d) => /^\d+$/.test(d))
          .filter((pid) => {
            try {
              return new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
            } catch {
              return false;
            }
          });
      await expect.poll(owned, { timeout: 5_000 }).toEqual([]);
    });
  });
}
