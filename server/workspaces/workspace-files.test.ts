import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Problem } from "../errors.ts";
import { parseWorkspacePath, WorkspacePath } from "./paths.ts";
import type { Workspace } from "./service.ts";
import { etagOf, WorkspaceFiles } from "./workspace-files.ts";

const UID = 200_777;
let base: string;
let ws: Workspace;
let outside: string;
let files: WorkspaceFiles;

function problemOf(fn: () => unknown): Problem {
  try {
    fn();
  } catch (err) {
    if (err instanceof Problem) return err;
    throw err;
  }
  throw new Error("expected a problem");
}

/** Every path below a folder with its content (files) or a marker (folders, links). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const st = fs.lstatSync(path.join(dir, rel));
    out[rel] = st.isFile()
      ? fs.readFileSync(path.join(dir, rel), "utf8")
      : st.isSymbolicLink()
        ? `-> ${fs.readlinkSync(path.join(dir, rel))}`
        : "<dir>";
  }
  return out;
}

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-files-"));
  outside = path.join(base, "outside");
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret.txt"), "host secret\n");
  const dir = path.join(base, "ws");
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.writeFileSync(path.join(dir, "src", "index.ts"), "export const x = 1;\n");
  fs.writeFileSync(path.join(dir, "package.json"), "{}\n");
  fs.mkdirSync(path.join(dir, "node_modules", "pkg"), { recursive: true });
  ws = { id: 777, userId: 1, exerciseId: "token-bucket", dir, uid: UID };
  files = new WorkspaceFiles(ws);
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

describe("workspace paths", () => {
  it("normalises harmless spellings and refuses escapes", () => {
    expect(parseWorkspacePath("./src//index.ts/")).toEqual(["src", "index.ts"]);
    expect(parseWorkspacePath("/etc/passwd")).toMatch(/relative/);
    expect(parseWorkspacePath("src/../../etc")).toMatch(/\.\./);
    expect(parseWorkspacePath("a/./b")).toMatch(/\./);
    expect(parseWorkspacePath("a\u0000b")).toMatch(/control/);
    expect(parseWorkspacePath("..\\x")).toMatch(/backslash/);
    expect(parseWorkspacePath("x".repeat(256))).toMatch(/255 bytes/);
    expect(parseWorkspacePath(Array(40).fill("d").join("/"))).toMatch(/deeper/);
    expect(parseWorkspacePath("")).toMatch(/names no file/);
    expect(parseWorkspacePath("", { allowRoot: true })).toEqual([]);
    expect(WorkspacePath.safeParse("../x").success).toBe(false);
    expect(WorkspacePath.parse("./a/b")).toBe("a/b");
  });
});

describe("listing", () => {
  it("lists files and folders with sizes and times, links as links, never descending into node_modules", () => {
    fs.symlinkSync(outside, path.join(ws.dir, "escape"));
    const { entries, truncated } = files.list();
    expect(truncated).toBe(false);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get("src/index.ts")).toMatchObject({ type: "file", size: 20 });
    expect(byPath.get("src")).toMatchObject({ type: "dir" });
    expect(byPath.get("escape")).toMatchObject({ type: "symlink" });
    expect(byPath.get("node_modules")).toMatchObject({ type: "dir", collapsed: true });
    expect(byPath.has("node_modules/pkg")).toBe(false);
    expect(byPath.has("escape/secret.txt")).toBe(false);
    expect(Number.isNaN(Date.parse(byPath.get("package.json")!.mtime))).toBe(false);
  });

  it("stops at the entry limit and says so", () => {
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(ws.dir, `f${i}`), "");
    const { entries, truncated } = new WorkspaceFiles(ws, { maxFileBytes: 1024, maxEntries: 5 }).list();
    expect(entries).toHaveLength(5);
    expect(truncated).toBe(true);
  });
});

describe("reading", () => {
  it("returns the content with a content-hash ETag", () => {
    const f = files.read("src/index.ts");
    expect(f.content).toBe("export const x = 1;\n");
    expect(f.etag).toBe(etagOf(Buffer.from("export const x = 1;\n")));
    expect(f.size).toBe(20);
  });

  it("refuses a symlinked file, a symlinked folder on the way, a hard link, a FIFO, binaries and big files", () => {
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(ws.dir, "link.txt"));
    fs.symlinkSync(outside, path.join(ws.dir, "dirlink"));
    fs.writeFileSync(path.join(outside, "hard.txt"), "hard\n");
    fs.linkSync(path.join(outside, "hard.txt"), path.join(ws.dir, "hard.txt"));
    fs.writeFileSync(path.join(ws.dir, "bin.dat"), Buffer.from([0x7f, 0x45, 0x00, 0x01]));
    fs.writeFileSync(path.join(ws.dir, "big.txt"), "x".repeat(2048));
    mkfifo(path.join(ws.dir, "pipe"));
    const small = new WorkspaceFiles(ws, { maxFileBytes: 1024, maxEntries: 100 });

    expect(problemOf(() => files.read("link.txt"))).toMatchObject({ status: 409, id: "symlink-refused" });
    expect(problemOf(() => files.read("dirlink/secret.txt"))).toMatchObject({ status: 409, id: "symlink-refused" });
    expect(problemOf(() => files.read("hard.txt"))).toMatchObject({ status: 409, id: "hard-link-refused" });
    expect(problemOf(() => files.read("pipe"))).toMatchObject({ status: 409, id: "not-a-file" });
    expect(problemOf(() => files.read("src"))).toMatchObject({ status: 409, id: "not-a-file" });
    expect(problemOf(() => files.read("package.json/x"))).toMatchObject({ status: 409, id: "not-a-folder" });
    expect(problemOf(() => files.read("bin.dat"))).toMatchObject({ status: 415, id: "not-text" });
    expect(problemOf(() => small.read("big.txt"))).toMatchObject({ status: 413, id: "file-too-large" });
    expect(problemOf(() => files.read("nope.ts"))).toMatchObject({ status: 404 });
  });
});

describe("writing", () => {
  it("saves when If-Match is the current ETag, atomically, keeping the sandbox's uid and the mode", () => {
    const target = path.join(ws.dir, "src", "index.ts");
    fs.chmodSync(target, 0o755);
    const { etag } = files.read("src/index.ts");
    const saved = files.write("src/index.ts", "export const x = 2;\n", etag);
    expect(saved.etag).toBe(etagOf(Buffer.from("export const x = 2;\n")));
    expect(fs.readFileSync(target, "utf8")).toBe("export const x = 2;\n");
    const st = fs.statSync(target);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([UID, UID, 0o755]);
    // No temp file left behind.
    expect(fs.readdirSync(path.join(ws.dir, "src"))).toEqual(["index.ts"]);
  });

  it("answers 412 with the current ETag when the file changed since it was read, and 428 without If-Match", () => {
    const { etag } = files.read("src/index.ts");
    fs.writeFileSync(path.join(ws.dir, "src", "index.ts"), "changed in the terminal\n");
    const p = problemOf(() => files.write("src/index.ts", "mine\n", etag));
    expect(p).toMatchObject({ status: 412, id: "etag-mismatch" });
    expect(p.extra.etag).toBe(etagOf(Buffer.from("changed in the terminal\n")));
    expect(problemOf(() => files.write("src/index.ts", "mine\n", undefined))).toMatchObject({ status: 428 });
    expect(fs.readFileSync(path.join(ws.dir, "src", "index.ts"), "utf8")).toBe("changed in the terminal\n");
  });

  it("changes nothing through a symlink, a hard link, an oversized body or a missing file", () => {
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(ws.dir, "link.txt"));
    fs.symlinkSync(outside, path.join(ws.dir, "dirlink"));
    fs.linkSync(path.join(outside, "secret.txt"), path.join(ws.dir, "hard.txt"));
    const before = { ws: snapshot(ws.dir), outside: snapshot(outside) };
    const anyTag = etagOf(Buffer.from("host secret\n"));
    const small = new WorkspaceFiles(ws, { maxFileBytes: 8, maxEntries: 100 });

    expect(problemOf(() => files.write("link.txt", "pwned", anyTag))).toMatchObject({
      status: 409,
      id: "symlink-refused",
    });
    expect(problemOf(() => files.write("dirlink/secret.txt", "pwned", anyTag))).toMatchObject({
      status: 409,
      id: "symlink-refused",
    });
    expect(problemOf(() => files.write("hard.txt", "pwned", anyTag))).toMatchObject({
      status: 409,
      id: "hard-link-refused",
    });
    expect(problemOf(() => small.write("package.json", "x".repeat(9), etagOf(Buffer.from("{}\n"))))).toMatchObject({
      status: 413,
    });
    expect(problemOf(() => files.write("nope.ts", "x", anyTag))).toMatchObject({ status: 404 });
    expect({ ws: snapshot(ws.dir), outside: snapshot(outside) }).toEqual(before);
  });
});

describe("creating, moving, deleting", () => {
  it("creates files and folders (with missing parents) owned by the sandbox's uid", () => {
    const f = files.create("lib/util/strings.ts", "file", "export {};\n");
    expect(f).toMatchObject({
      path: "lib/util/strings.ts",
      type: "file",
      size: 11,
      etag: etagOf(Buffer.from("export {};\n")),
    });
    files.create("docs", "dir");
    for (const p of ["lib", "lib/util", "lib/util/strings.ts", "docs"])
      expect(fs.statSync(path.join(ws.dir, p)).uid, p).toBe(UID);
    expect(fs.statSync(path.join(ws.dir, "lib/util/strings.ts")).mode & 0o777).toBe(0o644);
    expect(problemOf(() => files.create("docs", "dir"))).toMatchObject({ status: 409, id: "exists" });
    expect(problemOf(() => files.create("package.json", "file"))).toMatchObject({ status: 409, id: "exists" });
  });

  it("creates nothing through a symlinked folder or a dangling link, nor past the entry limit", () => {
    fs.symlinkSync(outside, path.join(ws.dir, "dirlink"));
    fs.symlinkSync(path.join(outside, "new.txt"), path.join(ws.dir, "dangling"));
    expect(problemOf(() => files.create("dirlink/planted.txt", "file", "x"))).toMatchObject({
      status: 409,
      id: "symlink-refused",
    });
    expect(problemOf(() => files.create("dirlink/sub/planted.txt", "file", "x"))).toMatchObject({
      status: 409,
      id: "symlink-refused",
    });
    expect(problemOf(() => files.create("dangling", "file", "x"))).toMatchObject({ status: 409, id: "exists" });
    // src, src/index.ts, package.json, node_modules, node_modules/pkg, dirlink, dangling
    const count = 7;
    const tight = new WorkspaceFiles(ws, { maxFileBytes: 1024, maxEntries: count + 1 });
    tight.create("one-more.txt", "file");
    expect(problemOf(() => tight.create("two-more.txt", "file"))).toMatchObject({ status: 409, id: "too-many-files" });
    expect(snapshot(outside)).toEqual({ "secret.txt": "host secret\n" });
  });

  it("moves and renames without replacing, following or nesting a folder into itself", () => {
    files.move("src/index.ts", "src/main.ts");
    files.move("src", "lib/src");
    expect(fs.readFileSync(path.join(ws.dir, "lib/src/main.ts"), "utf8")).toBe("export const x = 1;\n");
    expect(problemOf(() => files.move("lib/src/main.ts", "package.json"))).toMatchObject({ status: 409, id: "exists" });
    expect(problemOf(() => files.move("lib", "lib/inner"))).toMatchObject({ status: 400 });
    fs.symlinkSync(outside, path.join(ws.dir, "dirlink"));
    expect(problemOf(() => files.move("dirlink", "elsewhere"))).toMatchObject({ status: 409, id: "symlink-refused" });
    expect(problemOf(() => files.move("package.json", "dirlink/package.json"))).toMatchObject({
      status: 409,
      id: "symlink-refused",
    });
    expect(problemOf(() => files.move("dirlink/secret.txt", "stolen.txt"))).toMatchObject({
      status: 409,
      id: "symlink-refused",
    });
    expect(problemOf(() => files.move("missing", "x"))).toMatchObject({ status: 404 });
    expect(snapshot(outside)).toEqual({ "secret.txt": "host secret\n" });
  });

  it("deletes files and whole folders, unlinking links inside without touching their targets", () => {
    fs.symlinkSync(outside, path.join(ws.dir, "src", "dirlink"));
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(ws.dir, "src", "filelink"));
    expect(files.remove("src")).toEqual({ removed: 4 });
    expect(fs.existsSync(path.join(ws.dir, "src"))).toBe(false);
    expect(files.remove("package.json")).toEqual({ removed: 1 });
    fs.symlinkSync(outside, path.join(ws.dir, "dirlink"));
    expect(problemOf(() => files.remove("dirlink/secret.txt"))).toMatchObject({ status: 409, id: "symlink-refused" });
    expect(files.remove("dirlink")).toEqual({ removed: 1 });
    expect(snapshot(outside)).toEqual({ "secret.txt": "host secret\n" });
  });
});

describe("trees the sandbox made hostile", () => {
  it("lists and counts a folder chain deeper than a walk goes without descending past the limit, and refuses to delete it", () => {
    let p = "deep";
    for (let i = 1; i < 40; i++) p += `/d${i}`;
    fs.mkdirSync(path.join(ws.dir, p), { recursive: true });
    fs.writeFileSync(path.join(ws.dir, "deep", "top.txt"), "x");
    const { entries } = files.list();
    const deepest = entries
      .filter((e) => e.path.startsWith("deep"))
      .reduce((a, e) => Math.max(a, e.path.split("/").length), 0);
    expect(deepest).toBe(32);
    expect(entries.find((e) => e.path.split("/").length === 32)).toMatchObject({ type: "dir", collapsed: true });
    expect(problemOf(() => files.remove("deep"))).toMatchObject({ status: 409, id: "too-deep" });
    // All or nothing: not even the file at the top went.
    expect(fs.readFileSync(path.join(ws.dir, "deep", "top.txt"), "utf8")).toBe("x");
    expect(fs.existsSync(path.join(ws.dir, p))).toBe(true);
    expect(files.create("after.txt", "file").path).toBe("after.txt");
  });

  it("reads no more of a huge folder than the entry limit needs", () => {
    fs.mkdirSync(path.join(ws.dir, "many"));
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(ws.dir, "many", `f${i}`), "");
    const small = new WorkspaceFiles(ws, { maxFileBytes: 1024, maxEntries: 50 });
    const { entries, truncated } = small.list();
    expect(entries.length).toBe(50);
    expect(truncated).toBe(true);
    expect(problemOf(() => small.create("one-more.txt", "file"))).toMatchObject({ status: 409, id: "too-many-files" });
  });
});

describe("a terminal swapping a folder for a symlink while the editor works", () => {
  it("never reads or writes outside the workspace", async () => {
    // A separate process flips `src` between the real folder and a link to a host folder as
    // fast as it can, while this one reads and writes through the API. The host folder has
    // a file only it holds, and an index.ts kept equal to the workspace's, so a write that
    // went through the link would pass its If-Match and show as a changed host file.
    fs.writeFileSync(path.join(outside, "only-outside.ts"), "host only\n");
    fs.symlinkSync(outside, path.join(ws.dir, "src.link"));
    const swapper = spawn(process.execPath, [
      "-e",
      `const fs = require("fs"); process.chdir(${JSON.stringify(ws.dir)});
       for (;;) { try { fs.renameSync("src", "src.real"); fs.renameSync("src.link", "src"); fs.renameSync("src", "src.link"); fs.renameSync("src.real", "src"); } catch {} }`,
    ]);
    const tally = { reads: 0, writes: 0, refused: 0 };
    const refusedOk = (fn: () => void) => {
      try {
        fn();
        return true;
      } catch (err) {
        if (!(err instanceof Problem)) throw err;
        expect([404, 409]).toContain(err.status);
        tally.refused++;
        return false;
      }
    };
    try {
      await new Promise((r) => setTimeout(r, 100));
      let current = "export const x = 1;\n";
      for (let i = 0; i < 400; i++) {
        fs.writeFileSync(path.join(outside, "index.ts"), current);
        refusedOk(() => {
          files.read("src/only-outside.ts");
          throw new Error("read a host file through the link");
        });
        if (refusedOk(() => expect(files.read("src/index.ts").content).toBe(current))) tally.reads++;
        const next = `export const x = ${i + 2};\n`;
        if (refusedOk(() => files.write("src/index.ts", next, etagOf(Buffer.from(current))))) {
          tally.writes++;
          current = next;
        }
        expect(fs.readFileSync(path.join(outside, "index.ts"), "utf8"), "a write went through the link").not.toBe(next);
      }
    } finally {
      swapper.kill("SIGKILL");
    }
    expect(fs.readdirSync(outside).sort()).toEqual(["index.ts", "only-outside.ts", "secret.txt"]);
    // Both outcomes happened: the race was real, and the editor still worked through it.
    expect(tally.reads, JSON.stringify(tally)).toBeGreaterThan(0);
    expect(tally.writes, JSON.stringify(tally)).toBeGreaterThan(0);
    expect(tally.refused, JSON.stringify(tally)).toBeGreaterThan(0);
  }, 30_000);
});

/** mkfifo(1) from coreutils: Node has no mkfifo. */
function mkfifo(p: string): void {
  const r = spawnSync("mkfifo", [p]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
}
