import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { mountTable } from "./mounts.ts";

/**
 * A workspace's size limit: the workspace is an ext4 filesystem in a sparse image file,
 * loop-mounted with nosuid,nodev. A full disk inside it is the learner's problem alone, and a
 * setuid binary planted in it has no effect. Needs root; without it workspaces are plain folders.
 */
export function isMounted(dir: string): boolean {
  const target = fs.realpathSync(dir);
  return mountTable().some((m) => m.target === target);
}

export function mountWorkspaceImage(dir: string, image: string, sizeMb: number, uid: number): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isMounted(dir)) return;
  if (!fs.existsSync(image)) {
    const tmp = `${image}.tmp`;
    const fd = fs.openSync(tmp, "w", 0o600);
    fs.ftruncateSync(fd, sizeMb * 1024 * 1024);
    fs.closeSync(fd);
    execFileSync("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", `root_owner=${uid}:${uid}`, tmp], { stdio: "pipe" });
    fs.renameSync(tmp, image);
  }
  execFileSync("mount", ["-o", "loop,nosuid,nodev,noatime", image, dir], { stdio: "pipe" });
  fs.rmSync(`${dir}/lost+found`, { recursive: true, force: true });
  fs.chownSync(dir, uid, uid);
  fs.chmodSync(dir, 0o700);
}

export function unmount(dir: string): void {
  try {
    // Repeatedly: a folder can carry several stacked mounts (a bind over a bind).
    for (let i = 0; i < 5 && isMounted(dir); i++) execFileSync("umount", ["-l", dir], { stdio: "pipe" });
  } catch {
    // already gone
  }
}
