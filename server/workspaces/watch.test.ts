import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Workspace } from "./service.ts";
import { WorkspaceWatcher } from "./watch.ts";

const dirs: string[] = [];
const watcher = new WorkspaceWatcher();
afterEach(() => {
  watcher.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function workspace(): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-watch-"));
  dirs.push(dir);
  return { id: dirs.length, userId: 1, exerciseId: "x", dir, uid: process.getuid?.() ?? 0 };
}

const settle = () => new Promise((r) => setTimeout(r, 400));

describe("WorkspaceWatcher", () => {
  it("tells its listeners about changes, in new folders too, coalesced", async () => {
    const ws = workspace();
    let calls = 0;
    const stop = watcher.subscribe(ws, () => calls++);
    fs.mkdirSync(path.join(ws.dir, "src"));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(ws.dir, `f${i}.txt`), "x");
    await settle();
    expect(calls).toBe(1);
    // The folder made above is watched after the first notice.
    fs.writeFileSync(path.join(ws.dir, "src", "deep.ts"), "x");
    await settle();
    expect(calls).toBe(2);
    stop();
    fs.writeFileSync(path.join(ws.dir, "after.txt"), "x");
    await settle();
    expect(calls).toBe(2);
  });

  it("never follows a link out of the workspace", async () => {
    const ws = workspace();
    const outside = workspace();
    fs.symlinkSync(outside.dir, path.join(ws.dir, "link"));
    let calls = 0;
    watcher.subscribe(ws, () => calls++);
    fs.writeFileSync(path.join(outside.dir, "host.txt"), "x");
    await settle();
    expect(calls).toBe(0);
  });
});
