import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loopCensus, loopDevices, loopWarning, lowWater, mountTable, type LoopDevice } from "./mounts.ts";

const devices = (bound: (string | null)[]): LoopDevice[] =>
  bound.map((backingFile, i) => ({ name: `loop${i}`, backingFile }));

describe("loop devices", () => {
  it("warns when nearly exhausted, naming the data folders that hold them and the command that frees them", () => {
    const census = {
      used: 60,
      capacity: 64,
      byDataDir: new Map([
        ["/var/lib/backlab", 41],
        ["/tmp/backlab-x", 3],
      ]),
    };
    const warning = loopWarning(census)!;
    expect(warning).toMatch(/^loop devices nearly exhausted: 60 of 64 in use, 4 free\./);
    expect(warning).toContain("/var/lib/backlab (41), /tmp/backlab-x (3)");
    expect(warning).toContain(
      "findmnt -rno TARGET | grep -F '/var/lib/backlab/' | sort -r | xargs -r -d '\\n' umount -l",
    );
    expect(loopWarning({ used: 60, capacity: 64, byDataDir: new Map() })).toMatch(
      /None is a Backlab workspace image; `losetup -a`/,
    );
  });

  it("stays quiet while a tenth (at least 8) is free", () => {
    expect(lowWater(64)).toBe(8);
    expect(lowWater(1000)).toBe(100);
    expect(loopWarning({ used: 56, capacity: 64, byDataDir: new Map() })).toBeUndefined();
    expect(loopWarning({ used: 57, capacity: 64, byDataDir: new Map() })).toBeDefined();
    expect(loopWarning({ used: 900, capacity: 1000, byDataDir: new Map() })).toBeUndefined();
    expect(loopWarning({ used: 901, capacity: 1000, byDataDir: new Map() })).toBeDefined();
  });

  it("counts bound devices and attributes workspace images (deleted ones too) to their data folder", () => {
    const table = mountTable().filter((m) => m.target !== "/dev");
    // A static /dev (no devtmpfs): the capacity is the device nodes there are.
    const c = loopCensus(
      devices([
        "/d/a/workspaces/1.img",
        "/d/a/workspaces/12.img (deleted)",
        "/srv/disk.img",
        null,
        "/d/b/workspaces/3.img",
      ]),
      table,
    );
    expect(c.used).toBe(4);
    expect(c.capacity).toBeGreaterThanOrEqual(5);
    expect([...c.byDataDir]).toEqual([
      ["/d/a", 2],
      ["/d/b", 1],
    ]);
  });

  it("reads this machine's devices as losetup does", () => {
    const losetup = () =>
      execFileSync("losetup", ["-a", "-n", "-O", "NAME"], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((n) => n.trim().replace("/dev/", ""))
        .sort()
        .join(" ");
    const ours = () =>
      loopDevices()
        .filter((d) => d.backingFile)
        .map((d) => d.name)
        .sort()
        .join(" ");
    // Other labs on this machine bind and free devices meanwhile: compare a quiet moment.
    for (let i = 0; i < 20; i++) {
      const before = losetup();
      const read = ours();
      if (before === losetup()) return expect(read).toBe(before);
    }
    throw new Error("loop devices never stood still for a moment");
  });
});
