import fs from "node:fs";
import path from "node:path";
import type { Workspace } from "./service.ts";
import { WorkspaceFiles } from "./workspace-files.ts";

/** Changes are coalesced for this long: `npm install` is one notice, not thousands. */
const SETTLE_MS = 150;
/** Folders watched per workspace (one inotify watch each); deeper trees still notify for these. */
const MAX_WATCHED_DIRS = 512;

type Watch = { listeners: Set<() => void>; dirs: Map<string, fs.FSWatcher>; timer?: NodeJS.Timeout };

/**
 * Tells the editor when a workspace's files change (a file made in the terminal, a save, a
 * build), so the page refreshes its tree at once instead of polling. One set of inotify
 * watches per workspace, shared by every page that listens, dropped with the last listener.
 * The folders to watch come from the file API's own listing (no links followed, node_modules
 * not descended into), re-read after every change so new folders are watched too.
 */
export class WorkspaceWatcher {
  private watches = new Map<number, Watch>();

  subscribe(ws: Workspace, listener: () => void): () => void {
    let w = this.watches.get(ws.id);
    if (!w) {
      w = { listeners: new Set(), dirs: new Map() };
      this.watches.set(ws.id, w);
      this.sync(ws, w);
    }
    w.listeners.add(listener);
    const watch = w;
    return () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size > 0 || this.watches.get(ws.id) !== watch) return;
      this.watches.delete(ws.id);
      clearTimeout(watch.timer);
      for (const d of watch.dirs.values()) d.close();
    };
  }

  close(): void {
    for (const [id, w] of this.watches) {
      clearTimeout(w.timer);
      for (const d of w.dirs.values()) d.close();
      this.watches.delete(id);
    }
  }

  /** Watches the root and every listed folder; forgets the ones that are gone. */
  private sync(ws: Workspace, w: Watch): void {
    let dirs: string[];
    try {
      dirs = [
        "",
        ...new WorkspaceFiles(ws)
          .list()
          .entries.filter((e) => e.type === "dir" && !e.collapsed)
          .map((e) => e.path),
      ].slice(0, MAX_WATCHED_DIRS);
    } catch {
      dirs = [""];
    }
    const wanted = new Set(dirs);
    for (const [rel, watcher] of w.dirs) {
      if (wanted.has(rel)) continue;
      watcher.close();
      w.dirs.delete(rel);
    }
    for (const rel of dirs) {
      if (w.dirs.has(rel)) continue;
      try {
        // Not recursive: each folder is its own watch, so a link planted inside is never followed.
        const watcher = fs.watch(path.join(ws.dir, rel), { persistent: false }, () => this.changed(ws, w));
        watcher.on("error", () => {
          watcher.close();
          w.dirs.delete(rel);
        });
        w.dirs.set(rel, watcher);
      } catch {
        // Gone or replaced between the listing and the watch: the next change re-syncs.
      }
    }
  }

  private changed(ws: Workspace, w: Watch): void {
    if (w.timer) return;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      if (this.watches.get(ws.id) !== w) return;
      this.sync(ws, w);
      for (const l of w.listeners) l();
    }, SETTLE_MS);
  }
}
