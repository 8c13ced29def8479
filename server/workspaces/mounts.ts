import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * The lab's host mounts: workspace images (loop devices) and the Docker warm pool's binds,
 * all under the data folder. A clean stop releases every one of them; a start after a crash
 * adopts the ones a live workspace still needs, once each, and unmounts the rest — as the
 * drivers reap their cgroups and containers.
 */

export type MountEntry = { id: number; parent: number; target: string; fstype: string; source: string };

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** This process's mount table (`/proc/self/mountinfo`), in mount order. */
export function mountTable(): MountEntry[] {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const f = line.split(" ");
      const dash = f.indexOf("-");
      return {
        id: Number(f[0]),
        parent: Number(f[1]),
        target: unescape(f[4] ?? ""),
        fstype: f[dash + 1] ?? "",
        source: unescape(f[dash + 2] ?? ""),
      };
    });
}

/** Mounts at `dir` or below it, stacked ones listed once per layer. */
export function mountsUnder(dir: string, table = mountTable()): MountEntry[] {
  const root = fs.existsSync(dir) ? fs.realpathSync(dir) : path.resolve(dir);
  return table.filter((m) => m.target === root || m.target.startsWith(root + path.sep));
}

function umount(target: string): boolean {
  try {
    // Lazy: a process that still has a file open there must not make the stop fail; the
    // filesystem (and its loop device) goes once that process does.
    execFileSync("umount", ["-l", target], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts everything at or below `dir`, deepest first; returns how many mounts went. */
export function releaseMountsUnder(dir: string): number {
  let released = 0;
  // Rounds: unmounting a parent can uncover nothing new, but a stacked mount shows its lower layer.
  for (let round = 0; round < 8; round++) {
    const targets = [...new Set(mountsUnder(dir).map((m) => m.target))].sort((a, b) => b.length - a.length);
    if (!targets.length) break;
    let progress = false;
    for (const t of targets) {
      if (!umount(t)) continue;
      released++;
      progress = true;
    }
    if (!progress) break;
  }
  return released;
}

/**
 * At start, after a crash: a workspace folder whose workspace exists keeps one mount (its
 * image; adopted, so a sandbox adopted with it sees the same filesystem); layers stacked over
 * it are popped, and mounts of workspaces that no longer exist, or of anything else under
 * `root`, are unmounted.
 */
export function adoptWorkspaceMounts(
  root: string,
  isWorkspace: (id: number) => boolean,
): { adopted: number; released: number } {
  const realRoot = fs.existsSync(root) ? fs.realpathSync(root) : path.resolve(root);
  let adopted = 0;
  let released = 0;
  const byTarget = new Map<string, number>();
  for (const m of mountsUnder(realRoot)) byTarget.set(m.target, (byTarget.get(m.target) ?? 0) + 1);
  for (const [target, layers] of [...byTarget].sort((a, b) => b[0].length - a[0].length)) {
    const rel = path.relative(realRoot, target);
    const keep = /^\d+$/.test(rel) && isWorkspace(Number(rel)) ? 1 : 0;
    for (let i = layers; i > keep; i--) if (umount(target)) released++;
    if (keep) adopted++;
  }
  return { adopted, released };
}

export type LoopDevice = { name: string; backingFile: string | null };

/** The kernel's loop devices and what file each is bound to (null: free). */
export function loopDevices(): LoopDevice[] {
  if (!fs.existsSync("/sys/block")) return [];
  return fs
    .readdirSync("/sys/block")
    .filter((n) => /^loop\d+$/.test(n))
    .map((name) => {
      try {
        return { name, backingFile: fs.readFileSync(`/sys/block/${name}/loop/backing_file`, "utf8").trim() };
      } catch {
        return { name, backingFile: null };
      }
    });
}

/**
 * Waits until no loop device is bound to a file under `dir`: a killed sandbox keeps its own
 * view of the workspace filesystem until the kernel has torn its namespace down, so the device
 * frees a moment after the lab's unmount. Returns the files still bound at the deadline.
 */
export async function loopsReleased(dir: string, timeoutMs: number): Promise<string[]> {
  const root = (fs.existsSync(dir) ? fs.realpathSync(dir) : path.resolve(dir)) + path.sep;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = loopDevices().flatMap((d) => (d.backingFile?.startsWith(root) ? [d.backingFile] : []));
    if (!held.length || Date.now() >= deadline) return held;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type LoopCensus = {
  /** Devices bound to a file. */
  used: number;
  /** How many loop devices there can be: the device nodes, unless the kernel can add more (loop-control + devtmpfs). */
  capacity: number;
  /** Devices bound to a workspace image, by the data folder the image lives in. */
  byDataDir: Map<string, number>;
};

/** 2^20 minor numbers, shared by a loop device's partitions (`max_part`). */
function kernelLoopLimit(): number {
  let maxPart = 0;
  try {
    maxPart = Number(fs.readFileSync("/sys/module/loop/parameters/max_part", "utf8").trim()) || 0;
  } catch {
    // built in without parameters: no partitions
  }
  const partShift = maxPart > 0 ? Math.floor(Math.log2(maxPart)) + 1 : 0;
  return 2 ** (20 - partShift);
}

export function loopCensus(devices = loopDevices(), table = mountTable()): LoopCensus {
  const nodes = fs.existsSync("/dev") ? fs.readdirSync("/dev").filter((n) => /^loop\d+$/.test(n)).length : 0;
  // New loop devices appear in /dev only where the kernel manages it (devtmpfs); a container's
  // static /dev has the nodes it was given and no more.
  const growable =
    fs.existsSync("/dev/loop-control") && table.some((m) => m.target === "/dev" && m.fstype === "devtmpfs");
  const byDataDir = new Map<string, number>();
  for (const d of devices) {
    const m = d.backingFile && /^(.*)\/workspaces\/\d+\.img( \(deleted\))?$/.exec(d.backingFile);
    if (m) byDataDir.set(m[1]!, (byDataDir.get(m[1]!) ?? 0) + 1);
  }
  return {
    used: devices.filter((d) => d.backingFile).length,
    capacity: growable ? kernelLoopLimit() : Math.max(nodes, devices.length),
    byDataDir,
  };
}

/** Fewer free than this (a tenth, at least 8) is "nearly exhausted". */
export const lowWater = (capacity: number) => Math.max(8, Math.ceil(capacity / 10));

/** A warning with the commands that free a stopped lab's devices, or undefined when there are enough. */
export function loopWarning(c: LoopCensus): string | undefined {
  const free = c.capacity - c.used;
  if (free >= lowWater(c.capacity)) return undefined;
  const labs = [...c.byDataDir].sort((a, b) => b[1] - a[1]);
  const held = labs.map(([dir, n]) => `${dir} (${n})`).join(", ");
  const fix = labs.map(([dir]) => `findmnt -rno TARGET | grep -F '${dir}/' | sort -r | xargs -r -d '\\n' umount -l`);
  return (
    `loop devices nearly exhausted: ${c.used} of ${c.capacity} in use, ${free} free. ` +
    (labs.length
      ? `Workspace images of Backlab data folders hold ${labs.reduce((s, [, n]) => s + n, 0)}: ${held}. For a folder whose lab is stopped, free them with: ${fix.join(" ; ")}`
      : "None is a Backlab workspace image; `losetup -a` lists what holds them.")
  );
}
