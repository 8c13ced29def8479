import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { LIMITS } from "../api.ts";
import type { FileEntry } from "../workspace/filesApi.ts";
import { buildTree, parentOf, visibleRows, type TreeNode } from "./tree.ts";

/** What the small form above the tree is doing. */
type Pending =
  | { kind: "file" | "dir"; value: string }
  | { kind: "rename"; from: string; value: string }
  | { kind: "delete"; path: string; isDir: boolean };

export interface FileTreeProps {
  entries: readonly FileEntry[];
  expanded: ReadonlySet<string>;
  onToggle: (path: string) => void;
  activePath: string | null;
  dirty: ReadonlySet<string>;
  onOpen: (path: string) => void;
  onCreate: (path: string, type: "file" | "dir") => Promise<void>;
  onMove: (from: string, to: string) => Promise<void>;
  onDelete: (path: string) => Promise<void>;
}

/**
 * The workspace as a keyboard-navigable tree (WAI-ARIA tree pattern: arrows move, Right/Left
 * open and close folders, Enter opens a file, F2 renames, Delete deletes), with the actions
 * for new file, new folder, rename and delete in one inline form (no browser dialogs).
 */
export function FileTree(props: FileTreeProps) {
  const { entries, expanded, onToggle, activePath, dirty, onOpen } = props;
  const tree = useMemo(() => buildTree(entries), [entries]);
  const rows = useMemo(() => visibleRows(tree, expanded), [tree, expanded]);
  const [selected, setSelected] = useState<string | null>(activePath);
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const itemRefs = useRef(new Map<string, HTMLLIElement>());
  const focusAfterRender = useRef<string | null>(null);

  useEffect(() => {
    if (activePath) setSelected(activePath);
  }, [activePath]);

  useEffect(() => {
    const p = focusAfterRender.current;
    if (p) {
      focusAfterRender.current = null;
      itemRefs.current.get(p)?.focus();
    }
  });

  const selectedNode = rows.find((r) => r.node.path === selected)?.node ?? null;
  const folderOfSelection = selectedNode
    ? selectedNode.type === "dir"
      ? selectedNode.path
      : parentOf(selectedNode.path)
    : "";
  const focusable = selected && rows.some((r) => r.node.path === selected) ? selected : (rows[0]?.node.path ?? null);

  function move(to: string | undefined) {
    if (!to) return;
    setSelected(to);
    focusAfterRender.current = to;
  }

  function activate(node: TreeNode) {
    if (node.type === "dir") {
      if (!node.collapsed) onToggle(node.path);
    } else if (node.type === "file") {
      onOpen(node.path);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLUListElement>) {
    const i = rows.findIndex((r) => r.node.path === focusable);
    const row = rows[i];
    if (!row) return;
    const node = row.node;
    switch (e.key) {
      case "ArrowDown":
        move(rows[i + 1]?.node.path);
        break;
      case "ArrowUp":
        move(rows[i - 1]?.node.path);
        break;
      case "Home":
        move(rows[0]?.node.path);
        break;
      case "End":
        move(rows[rows.length - 1]?.node.path);
        break;
      case "ArrowRight":
        if (node.type === "dir" && !node.collapsed && !expanded.has(node.path)) onToggle(node.path);
        else if (node.type === "dir" && expanded.has(node.path)) move(node.children[0]?.path);
        break;
      case "ArrowLeft":
        if (node.type === "dir" && expanded.has(node.path)) onToggle(node.path);
        else move(parentOf(node.path) || undefined);
        break;
      case "Enter":
      case " ":
        activate(node);
        break;
      case "F2":
        setPending({ kind: "rename", from: node.path, value: node.path });
        break;
      case "Delete":
        setPending({ kind: "delete", path: node.path, isDir: node.type === "dir" });
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setPending(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!pending) return;
    if (pending.kind === "delete") return void run(() => props.onDelete(pending.path));
    const value = pending.value.trim().replace(/^\/+/, "");
    if (!value) return;
    if (pending.kind === "rename") {
      if (value === pending.from) return setPending(null);
      return void run(async () => {
        await props.onMove(pending.from, value);
        move(value);
      });
    }
    void run(async () => {
      await props.onCreate(value, pending.kind);
      move(value);
    });
  }

  const start = (kind: "file" | "dir") => {
    setError(null);
    setPending({ kind, value: folderOfSelection ? `${folderOfSelection}/` : "" });
  };

  return (
    <div className="file-tree">
      <div className="file-tree-actions" role="toolbar" aria-label="Files">
        <button
          type="button"
          className="icon-btn"
          data-testid="new-file"
          title="New file"
          aria-label="New file"
          onClick={() => start("file")}
        >
          + File
        </button>
        <button
          type="button"
          className="icon-btn"
          data-testid="new-folder"
          title="New folder"
          aria-label="New folder"
          onClick={() => start("dir")}
        >
          + Folder
        </button>
        <button
          type="button"
          className="icon-btn"
          data-testid="rename"
          title="Rename or move (F2)"
          aria-label="Rename or move the selected file"
          disabled={!selectedNode}
          onClick={() =>
            selectedNode && setPending({ kind: "rename", from: selectedNode.path, value: selectedNode.path })
          }
        >
          Rename
        </button>
        <button
          type="button"
          className="icon-btn"
          data-testid="delete"
          title="Delete (Del)"
          aria-label="Delete the selected file"
          disabled={!selectedNode}
          onClick={() =>
            selectedNode && setPending({ kind: "delete", path: selectedNode.path, isDir: selectedNode.type === "dir" })
          }
        >
          Delete
        </button>
      </div>
      {pending && (
        <form className="file-tree-form" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && setPending(null)}>
          {pending.kind === "delete" ? (
            <p className="file-tree-confirm">
              Delete <code>{pending.path}</code>
              {pending.isDir ? " and everything in it" : ""}?
            </p>
          ) : (
            <label>
              <span className="visually-hidden">
                {pending.kind === "rename" ? "New path" : pending.kind === "dir" ? "New folder path" : "New file path"}
              </span>
              <input
                autoFocus
                data-testid="path-input"
                maxLength={LIMITS.path.chars}
                value={pending.value}
                placeholder={pending.kind === "dir" ? "folder/path" : "path/to/file.ts"}
                onChange={(e) => setPending({ ...pending, value: e.target.value })}
                spellCheck={false}
              />
            </label>
          )}
          <div className="file-tree-form-buttons">
            <button
              type="submit"
              className="btn btn-small btn-primary"
              data-testid="path-confirm"
              disabled={busy}
              autoFocus={pending.kind === "delete"}
            >
              {pending.kind === "delete" ? "Delete" : pending.kind === "rename" ? "Rename" : "Create"}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && (
        <p role="alert" className="alert file-tree-error">
          {error}
        </p>
      )}
      <ul role="tree" aria-label="Workspace files" className="tree" data-testid="file-tree" onKeyDown={onKeyDown}>
        {rows.map(({ node, depth }) => {
          const isDir = node.type === "dir";
          const open = expanded.has(node.path);
          return (
            <li
              key={node.path}
              ref={(el) => {
                if (el) itemRefs.current.set(node.path, el);
                else itemRefs.current.delete(node.path);
              }}
              role="treeitem"
              aria-level={depth + 1}
              aria-selected={node.path === selected}
              aria-expanded={isDir && !node.collapsed ? open : undefined}
              aria-current={node.path === activePath ? "page" : undefined}
              tabIndex={node.path === focusable ? 0 : -1}
              className={`tree-item tree-${node.type}${node.path === activePath ? " tree-active" : ""}`}
              style={{ paddingLeft: `${0.5 + depth * 0.9}rem` }}
              data-path={node.path}
              data-testid="tree-item"
              title={node.type === "symlink" ? "A symbolic link: open it in the terminal" : node.path}
              onClick={() => {
                setSelected(node.path);
                activate(node);
              }}
              onFocus={() => setSelected(node.path)}
            >
              <span className="tree-icon" aria-hidden="true">
                {isDir ? (node.collapsed ? "▪" : open ? "▾" : "▸") : node.type === "symlink" ? "↪" : ""}
              </span>
              <span className="tree-name">{node.name}</span>
              {dirty.has(node.path) && (
                <span className="dirty-dot" aria-label="unsaved changes">
                  ●
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
