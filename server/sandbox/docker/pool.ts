import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type Docker from "dockerode";
import type { SandboxLimits, SandboxSpec } from "../../../graders/sandbox/port.ts";
import { isMounted } from "../../workspaces/quota.ts";
import { LABELS, writeEtc, type DockerDriver } from "./driver.ts";

export const poolDir = (stateDir: string) => path.join(stateDir, "pool");

/** Unmounts a slot's workspace (`<slot>/ws`) and deletes the slot. */
export function releaseSlot(ws: string): void {
  try {
    if (fs.existsSync(ws) && isMounted(ws)) execFileSync("umount", ["-l", ws], { stdio: "pipe" });
  } catch {
    // already unmounted
  }
  fs.rmSync(path.dirname(ws), { recursive: true, force: true });
}

/** Until a workspace claims it, a warm container's processes run as nobody. */
const IDLE_UID = 65534;

const DEFAULT_LIMITS: SandboxLimits = { memoryMb: 512, pids: 256, cpuSeconds: 600, cpus: 1, fileSizeMb: 64, tmpMb: 64, openFiles: 1024 };

/**
 * Started containers kept ready so opening an exercise skips the ~0.5 s container start.
 * A container's binds are fixed when it is created, so each warm one mounts an empty slot
 * folder at /workspace with `rslave` propagation from a shared mount the pool owns; a claim
 * bind-mounts the workspace onto the slot on the host, and the mount appears inside. The
 * slot's passwd/group are rewritten in place for the workspace's uid, resources are updated
 * to the exercise's limits, and the container is renamed to the workspace's sandbox name
 * (so a restarted lab adopts it like any other). Ulimits and the /tmp size stay the pool's.
 */
export class WarmPool {
  readonly dir: string;
  private ready = new Map<string, { container: Docker.Container; slot: string }[]>();
  private filling = new Map<string, Promise<void>>();
  private shared = false;

  constructor(
    private driver: DockerDriver,
    readonly size: number,
    private limits: SandboxLimits = DEFAULT_LIMITS,
  ) {
    this.dir = poolDir(driver.opts.stateDir);
  }

  /** Keeps `size` warm containers for the runtime; resolves when they are there. */
  fill(runtime: string): Promise<void> {
    let p = this.filling.get(runtime);
    if (!p) {
      p = this.top(runtime).finally(() => this.filling.delete(runtime));
      this.filling.set(runtime, p);
    }
    return p;
  }

  available(runtime: string): number {
    return this.ready.get(runtime)?.length ?? 0;
  }

  async claim(spec: SandboxSpec, name: string): Promise<Docker.Container | null> {
    const warm = this.ready.get(spec.runtime)?.shift();
    void this.fill(spec.runtime).catch(() => {});
    if (!warm) return null;
    const ws = path.join(warm.slot, "ws");
    try {
      writeEtc(warm.slot, spec.uid);
      execFileSync("mount", ["--bind", spec.workspaceDir, ws], { stdio: "pipe" });
      const memory = spec.limits.memoryMb * 1024 * 1024;
      await warm.container.update({ Memory: memory, MemorySwap: memory, PidsLimit: spec.limits.pids, NanoCpus: Math.round(spec.limits.cpus * 1e9) });
      await warm.container.rename({ name });
      return warm.container;
    } catch {
      // A broken warm container is not worth an error: remove it, start a cold one.
      await this.driver.removeContainer(warm.container.id);
      return null;
    }
  }

  /** Deletes slots no container uses any more (after a crash). */
  sweep(inUse: Set<string>): void {
    if (!fs.existsSync(this.dir)) return;
    for (const e of fs.readdirSync(this.dir)) {
      const ws = path.join(this.dir, e, "ws");
      if (!inUse.has(ws)) releaseSlot(ws);
    }
  }

  /** Unmounts the pool's shared mount (tests; a lab keeps it for the containers it leaves). */
  close(): void {
    this.sweep(new Set());
    try {
      if (fs.existsSync(this.dir) && isMounted(this.dir)) execFileSync("umount", ["-l", this.dir], { stdio: "pipe" });
    } catch {
      // gone
    }
  }

  private ensureShared(): void {
    if (this.shared) return;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o711 });
    if (!isMounted(this.dir)) execFileSync("mount", ["--bind", this.dir, this.dir], { stdio: "pipe" });
    execFileSync("mount", ["--make-rshared", this.dir], { stdio: "pipe" });
    this.shared = true;
  }

  private async top(runtime: string): Promise<void> {
    this.ensureShared();
    const list = this.ready.get(runtime) ?? [];
    this.ready.set(runtime, list);
    while (list.length < this.size) list.push(await this.createWarm(runtime));
  }

  private async createWarm(runtime: string): Promise<{ container: Docker.Container; slot: string }> {
    const id = `pool-${crypto.randomBytes(4).toString("hex")}`;
    const slot = path.join(this.dir, id);
    fs.mkdirSync(path.join(slot, "ws"), { recursive: true });
    writeEtc(slot, IDLE_UID);
    const container = await this.driver.docker.createContainer(
      this.driver.containerConfig({
        name: this.driver.containerName(id),
        runtime,
        user: IDLE_UID,
        limits: this.limits,
        labels: { [LABELS.sandbox]: id, [LABELS.workspace]: "" },
        binds: [`${slot}/passwd:/etc/passwd:ro`, `${slot}/group:/etc/group:ro`],
        mounts: [{ Type: "bind", Source: path.join(slot, "ws"), Target: "/workspace", BindOptions: { Propagation: "rslave" } }],
      }),
    );
    await container.start();
    return { container, slot };
  }
}
