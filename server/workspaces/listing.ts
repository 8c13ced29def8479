import fs from "node:fs";
import { listDirAt, MAX_WALK_DEPTH, openDirAt } from "./safe-fs.ts";

/**
 * The walks over a whole workspace: the editor's listing and the entry count a create is
 * checked against. Both go one descriptor at a time from the root the caller opened (see
 * safe-fs.ts), never follow links, and stop at the entry limit and at MAX_WALK_DEPTH.
 */

export type EntryType = "file" | "dir" | "symlink" | "other";
export type FileEntry = { path: string; type: EntryType; size: number; mtime: string; collapsed?: boolean };

/** Folders listed but not descended into: generated, large, not for the editor. */
const NOT_DESCENDED = new Set(["node_modules", ".git"]);

export function typeOf(st: fs.Stats): EntryType {
  return st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";
}

/** Every entry, depth first, without following links; capped at `maxEntries`. */
export function listEntries(root: number, maxEntries: number): { entries: FileEntry[]; truncated: boolean } {
  const entries: FileEntry[] = [];
  let truncated = false;
  const walk = (dirFd: number, prefix: string, depth: number) => {
    const room = maxEntries - entries.length;
    const items = listDirAt(dirFd, room + 1).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const { name, stat } of items) {
      if (entries.length >= maxEntries) {
        truncated = true;
        return;
      }
      const p = prefix ? `${prefix}/${name}` : name;
      const entry: FileEntry = {
        path: p,
        type: typeOf(stat),
        size: stat.isFile() ? stat.size : 0,
        mtime: stat.mtime.toISOString(),
      };
      entries.push(entry);
      if (entry.type !== "dir") continue;
      // Not descended into: generated folders, and anything deeper than a walk goes.
      if (NOT_DESCENDED.has(name) || depth + 1 >= MAX_WALK_DEPTH) {
        entry.collapsed = true;
        continue;
      }
      let fd: number;
      try {
        fd = openDirAt(dirFd, name, p);
      } catch {
        // Swapped or removed since readdir: listed as it was, not descended into.
        continue;
      }
      try {
        walk(fd, p, depth + 1);
      } finally {
        fs.closeSync(fd);
      }
    }
  };
  walk(root, "", 0);
  return { entries, truncated };
}

/** How many entries the workspace holds, counted until it passes `budget` (then a little past it). */
export function countEntries(root: number, budget: number): number {
  let count = 0;
  const walk = (dirFd: number, depth: number) => {
    for (const { name, stat } of listDirAt(dirFd, budget - count + 1)) {
      if (++count > budget) return;
      if (!stat.isDirectory() || depth + 1 >= MAX_WALK_DEPTH) continue;
      let fd: number;
      try {
        fd = openDirAt(dirFd, name, name);
      } catch {
        continue;
      }
      try {
        walk(fd, depth + 1);
      } finally {
        fs.closeSync(fd);
      }
      if (count > budget) return;
    }
  };
  walk(root, 0);
  return count;
}
