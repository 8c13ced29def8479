/** The workspace's flat listing as a tree, and the path arithmetic the editor needs. */
import type { EntryType, FileEntry } from "../workspace/filesApi.ts";

export interface TreeNode {
  name: string;
  path: string;
  type: EntryType;
  size: number;
  /** Listed but not descended into by the server (node_modules, .git). */
  collapsed: boolean;
  children: TreeNode[];
}

/** Folders first, then by name; parents missing from a truncated listing are made up. */
export function buildTree(entries: readonly FileEntry[]): TreeNode[] {
  const root: TreeNode = { name: "", path: "", type: "dir", size: 0, collapsed: false, children: [] };
  const byPath = new Map<string, TreeNode>([["", root]]);
  const ensureDir = (path: string): TreeNode => {
    const found = byPath.get(path);
    if (found) return found;
    const parent = ensureDir(parentOf(path));
    const node: TreeNode = { name: baseName(path), path, type: "dir", size: 0, collapsed: false, children: [] };
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const e of entries) {
    if (byPath.has(e.path)) {
      const existing = byPath.get(e.path)!;
      Object.assign(existing, { type: e.type, size: e.size, collapsed: !!e.collapsed });
      continue;
    }
    const parent = ensureDir(parentOf(e.path));
    const node: TreeNode = {
      name: baseName(e.path),
      path: e.path,
      type: e.type,
      size: e.size,
      collapsed: !!e.collapsed,
      children: [],
    };
    parent.children.push(node);
    byPath.set(e.path, node);
  }
  const sort = (nodes: TreeNode[]) => {
    nodes.sort((a, b) =>
      (a.type === "dir") !== (b.type === "dir") ? (a.type === "dir" ? -1 : 1) : a.name.localeCompare(b.name),
    );
    for (const n of nodes) sort(n.children);
  };
  sort(root.children);
  return root.children;
}

/** The rows a tree shows with the given folders expanded, in order, with their depth. */
export function visibleRows(
  roots: readonly TreeNode[],
  expanded: ReadonlySet<string>,
): { node: TreeNode; depth: number }[] {
  const rows: { node: TreeNode; depth: number }[] = [];
  const walk = (nodes: readonly TreeNode[], depth: number) => {
    for (const node of nodes) {
      rows.push({ node, depth });
      if (node.type === "dir" && expanded.has(node.path)) walk(node.children, depth + 1);
    }
  };
  walk(roots, 0);
  return rows;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Where `path` ends up when `from` (a file or a folder) moves to `to`; null if unaffected. */
export function movedPath(path: string, from: string, to: string): string | null {
  if (path === from) return to;
  if (path.startsWith(`${from}/`)) return to + path.slice(from.length);
  return null;
}

/** True when `path` is `target` or inside it. */
export function isWithin(path: string, target: string): boolean {
  return path === target || path.startsWith(`${target}/`);
}

/** Folders worth opening at first: every folder the server descended into, two levels deep. */
export function initiallyExpanded(entries: readonly FileEntry[]): Set<string> {
  return new Set(
    entries.filter((e) => e.type === "dir" && !e.collapsed && e.path.split("/").length <= 2).map((e) => e.path),
  );
}
