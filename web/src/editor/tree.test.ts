import { describe, expect, it } from "vitest";
import type { FileEntry } from "../workspace/filesApi.ts";
import { buildTree, initiallyExpanded, isWithin, movedPath, visibleRows } from "./tree.ts";

const e = (path: string, type: FileEntry["type"] = "file", extra: Partial<FileEntry> = {}): FileEntry => ({
  path,
  type,
  size: 1,
  mtime: "2026-01-01T00:00:00.000Z",
  ...extra,
});

describe("the file tree", () => {
  const entries = [
    e("package.json"),
    e("src", "dir"),
    e("src/b.ts"),
    e("src/a.ts"),
    e("node_modules", "dir", { collapsed: true }),
    e("link", "symlink"),
    e("test", "dir"),
    e("test/deep", "dir"),
    e("test/deep/x.test.ts"),
  ];

  it("puts folders first, then names in order, nested under their parents", () => {
    const tree = buildTree(entries);
    expect(tree.map((n) => n.name)).toEqual(["node_modules", "src", "test", "link", "package.json"]);
    expect(tree[1]!.children.map((n) => n.path)).toEqual(["src/a.ts", "src/b.ts"]);
    expect(tree[0]!.collapsed).toBe(true);
  });

  it("makes up parents a truncated listing left out", () => {
    const tree = buildTree([e("a/b/c.ts")]);
    expect(tree[0]).toMatchObject({ path: "a", type: "dir" });
    expect(tree[0]!.children[0]!.children[0]!.path).toBe("a/b/c.ts");
  });

  it("shows the rows of expanded folders only, with depths", () => {
    const tree = buildTree(entries);
    const rows = visibleRows(tree, new Set(["test"]));
    expect(rows.map((r) => `${r.depth}:${r.node.path}`)).toEqual([
      "0:node_modules",
      "0:src",
      "0:test",
      "1:test/deep",
      "0:link",
      "0:package.json",
    ]);
    expect([...initiallyExpanded(entries)].sort()).toEqual(["src", "test", "test/deep"]);
  });

  it("follows a move to everything inside a moved folder", () => {
    expect(movedPath("src/a.ts", "src", "lib")).toBe("lib/a.ts");
    expect(movedPath("src", "src", "lib")).toBe("lib");
    expect(movedPath("srcx/a.ts", "src", "lib")).toBeNull();
    expect(isWithin("src/a.ts", "src")).toBe(true);
    expect(isWithin("srcx", "src")).toBe(false);
  });
});
