/**
 * The sandbox port beyond exec, part of the driver conformance suite: Spawner's poll, stop with
 * escalation, signalling the program below its wrappers, identity, reap and adoption.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox, SandboxDriver, SandboxLimits, SandboxProcess } from "../../../graders/sandbox/port.ts";
import { type ConformanceTarget, openTarget, until } from "./target.ts";

const LIMITS: SandboxLimits = {
  memoryMb: 256,
  pids: 64,
  cpuSeconds: 60,
  cpus: 0.5,
  fileSizeMb: 16,
  tmpMb: 16,
  openFiles: 256,
};

export function portConformance(target: ConformanceTarget): void {
  const { name } = target;
  describe(`the sandbox port on ${name}`, () => {
    let root: string;
    let driver: SandboxDriver;
    let n = 0;
    const labId = `port${name[0]}${process.pid}`;

    async function sandbox(label: string): Promise<{ sandbox: Sandbox; dir: string }> {
      const uid = target.uidBase + 4_000 + ++n;
      const dir = path.join(root, `ws-${n}`);
      fs.mkdirSync(dir, { mode: 0o755 });
      fs.chownSync(dir, uid, uid);
      return {
        sandbox: await driver.create({
          name: `port-${label}-${n}`,
          runtime: "node20",
          workspaceDir: dir,
          limits: LIMITS,
          uid,
          network: "none",
        }),
        dir,
      };
    }

    /** A shell that writes `term` into the workspace when it gets SIGTERM, and `ready` once its trap is set. */
    function trapping(sb: Sandbox): SandboxProcess {
      const p = sb.exec([
        "/bin/sh",
        "-c",
        'trap "echo term > /workspace/term; exit 0" TERM; echo > /workspace/ready; while :; do sleep 0.1; done',
      ]);
      p.end();
      return p;
    }

    beforeAll(async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), `backlab-port-${name}-`));
      fs.chmodSync(root, 0o711);
      driver = await openTarget(target, root, labId);
      expect(await driver.available()).toMatchObject({ ok: true });
    }, 300_000);

    afterAll(async () => {
      await driver?.reap();
      await driver?.close();
      fs.rmSync(root, { recursive: true, force: true });
    });

    it("says what runs a runtime's sandboxes, as results are signed with it", () => {
      const identity = target.identity();
      if (typeof identity === "string") expect(driver.identity("node20")).toBe(identity);
      else expect(driver.identity("node20")).toMatch(identity);
      expect(driver.persistent).toBe(target.persistent);
    });

    it("polls a process and a sandbox: running until they end", async () => {
      const { sandbox: sb } = await sandbox("poll");
      expect(await sb.poll()).toBe(true);
      const p = sb.exec(["/bin/sh", "-c", "read line; exit 7"]);
      await new Promise((r) => setTimeout(r, 300));
      expect(p.poll()).toBeNull();
      p.end();
      expect(await p.wait()).toMatchObject({ code: 7 });
      expect(p.poll()).toMatchObject({ code: 7, timedOut: false });
      await sb.stop();
      expect(await sb.poll()).toBe(false);
    });

    it("stops with escalation: SIGTERM and a grace when asked, SIGKILL at once otherwise", async () => {
      const graceful = await sandbox("grace");
      trapping(graceful.sandbox);
      await until(() => fs.existsSync(path.join(graceful.dir, "ready")));
      await graceful.sandbox.stop({ graceMs: 5000 });
      expect(fs.readFileSync(path.join(graceful.dir, "term"), "utf8")).toBe("term\n");

      const hard = await sandbox("hard");
      trapping(hard.sandbox);
      await until(() => fs.existsSync(path.join(hard.dir, "ready")));
      expect(driver.stopGraceMs).toBe(0);
      await hard.sandbox.stop();
      expect(fs.existsSync(path.join(hard.dir, "term"))).toBe(false);
    });

    it("signals the program below its sh -c wrapper, not the wrapper", async () => {
      const { sandbox: sb, dir } = await sandbox("signal");
      const program =
        "process.on('SIGTERM', () => { require('fs').writeFileSync('/workspace/got', 'SIGTERM'); process.exit(0); }); require('fs').writeFileSync('/workspace/ready', ''); setInterval(() => {}, 1000);";
      // `; echo …` keeps sh alive as the parent: a signal to it would cut the echo short.
      const p = sb.exec(["/bin/sh", "-c", `node -e "${program}"; echo wrapper-lived`]);
      p.end();
      let out = "";
      p.onData((c) => (out += c.toString()));
      await until(() => fs.existsSync(path.join(dir, "ready")));
      expect(p.signalProgram("SIGTERM")).toBe(true);
      expect(await p.wait()).toMatchObject({ code: 0 });
      expect(fs.readFileSync(path.join(dir, "got"), "utf8")).toBe("SIGTERM");
      expect(out).toContain("wrapper-lived");
      expect(p.signalProgram("SIGTERM")).toBe(false);
      await sb.stop();
    });

    it("reaps this lab's leftovers and keeps what the caller claims, which a persistent driver adopts", async () => {
      // Two sandboxes left as a crash leaves them: never stopped.
      const kept = await sandbox("kept");
      const dropped = await sandbox("dropped");
      const r = await driver.reap((sandboxName, running) => running && sandboxName === kept.sandbox.name);
      if (driver.persistent) {
        expect(r).toEqual({ removed: 1, kept: 1 });
        expect(await dropped.sandbox.poll()).toBe(false);
        expect(await kept.sandbox.poll()).toBe(true);
        const again = await driver.create(kept.sandbox.spec);
        expect(again.networkId).toBe(kept.sandbox.networkId);
      } else {
        // A driver whose sandboxes die with the lab keeps nothing: both sandboxes and whatever
        // the driver made for them (bwrap: a cgroup per controller on v1, a network namespace) go.
        expect(r.kept).toBe(0);
        expect(r.removed).toBeGreaterThanOrEqual(2);
        target.reapedAll?.(labId);
      }
      await kept.sandbox.stop();
      await dropped.sandbox.stop();
    });
  });
}
