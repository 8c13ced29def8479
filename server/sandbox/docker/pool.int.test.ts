import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDocker } from "../../setup/docker.ts";
import { ensureImages } from "../../setup/images.ts";
import { TEST_RUNTIME_DIR } from "../../setup/runtime.ts";
import { isMounted, mountWorkspaceImage, unmount } from "../../workspaces/quota.ts";
import type { Sandbox, SandboxLimits } from "../../../graders/sandbox/port.ts";
import { DockerDriver } from "./driver.ts";

const LIMITS: SandboxLimits = { memoryMb: 300, pids: 77, cpuSeconds: 60, cpus: 1, fileSizeMb: 32, tmpMb: 16, openFiles: 512 };
const UID = 295_001;
let root: string;
let images: Record<string, string>;
let driver: DockerDriver;
let workspace: string;

async function run(sb: Sandbox, script: string) {
  const p = sb.exec(["/bin/sh", "-c", script], { timeoutMs: 20_000 });
  p.end();
  let out = "";
  p.onData((c) => (out += c.toString()));
  await p.wait();
  return out;
}

beforeAll(async () => {
  await ensureDocker(() => {});
  images = await ensureImages({ runtimesRoot: TEST_RUNTIME_DIR, log: () => {} });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-pool-"));
  fs.chmodSync(root, 0o711);
  driver = new DockerDriver({ images: (r) => images[r]!, labId: `pool${process.pid}`, stateDir: root, poolSize: 1 });
  workspace = path.join(root, "ws");
  mountWorkspaceImage(workspace, `${workspace}.img`, 32, UID);
  fs.writeFileSync(path.join(workspace, "mine.txt"), "from the workspace\n");
}, 300_000);

afterAll(async () => {
  await driver?.reap();
  driver?.pool?.close();
  unmount(workspace);
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the Docker warm pool", () => {
  it("hands a warm container to a workspace: its files, its uid, its limits, its name", async () => {
    expect(driver.pool).not.toBeNull();
    await driver.pool!.fill("node20");
    expect(driver.pool!.available("node20")).toBe(1);
    const warmId = (await driver.list()).find((c) => c.Names[0]?.includes("-pool-"))!.Id;

    const sandbox = await driver.create({ name: "ws-1", runtime: "node20", workspaceDir: workspace, limits: LIMITS, uid: UID, network: "none" });
    const out = await run(sandbox, "cat /workspace/mine.txt; id -u; whoami; echo written > /workspace/new.txt; cat /proc/net/dev | tail -n +3 | cut -d: -f1");
    expect(out).toContain("from the workspace");
    expect(out).toContain(`${UID}\nlearner\n`);
    expect(out.trim().split("\n").at(-1)!.trim()).toBe("lo");
    expect(fs.statSync(path.join(workspace, "new.txt")).uid).toBe(UID);

    const info = await driver.docker.getContainer(warmId).inspect();
    expect(info.Name).toBe(`/${driver.containerName("ws-1")}`);
    expect(info.HostConfig).toMatchObject({ Memory: LIMITS.memoryMb * 1024 * 1024, MemorySwap: LIMITS.memoryMb * 1024 * 1024, PidsLimit: LIMITS.pids, ReadonlyRootfs: true, NetworkMode: "none", CapDrop: ["ALL"] });

    // The pool tops itself up again.
    await driver.pool!.fill("node20");
    expect(driver.pool!.available("node20")).toBe(1);

    // A restarted lab (a new driver, same lab) adopts the claimed container by its name.
    const again = new DockerDriver({ images: (r) => images[r]!, labId: `pool${process.pid}`, stateDir: root });
    const adopted = await again.create({ name: "ws-1", runtime: "node20", workspaceDir: workspace, limits: LIMITS, uid: UID, network: "none" });
    expect(await run(adopted, "cat /workspace/new.txt")).toBe("written\n");
    expect((await driver.list()).filter((c) => c.Names[0] === `/${driver.containerName("ws-1")}`).map((c) => c.Id)).toEqual([warmId]);

    // Stopping releases the slot: nothing stays mounted on the host.
    const slot = info.Mounts.find((m) => m.Destination === "/workspace")!.Source;
    await adopted.stop();
    expect(fs.existsSync(slot) && isMounted(slot)).toBe(false);
  });
});
