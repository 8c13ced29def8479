import { useEffect, useRef, useState } from "react";
import { Splitter } from "../components/Splitter.tsx";
import { filesApi } from "../workspace/filesApi.ts";
import { CLEAN, type UnsavedFile } from "./buffers.ts";
import { DiffView } from "./DiffView.tsx";
import { ConflictBanner, EditorTabs } from "./EditorChrome.tsx";
import { FileTree } from "./FileTree.tsx";
import { storedTabs, storeTabs } from "./openTabs.ts";
import { isWithin, movedPath, parentOf } from "./tree.ts";
import { useWorkspaceBuffers } from "./useWorkspaceBuffers.ts";
import { useWorkspaceTree } from "./useWorkspaceTree.ts";
import "./editor.css";

/** While the change stream is down: how often open files, and the tree, are checked. */
const POLL_FILES_MS = 2000;
const POLL_TREE_MS = 4000;

export interface CompareRequest {
  path: string;
  content: string;
  label: string;
}

export interface WorkspaceEditorProps {
  workspaceId: string;
  treeShare: number;
  onTreeShare: (v: number) => void;
  /** The reference solution of a file, to show against the learner's. */
  compare: CompareRequest | null;
  onCloseCompare: () => void;
  /** Told which open files have unsaved edits (a submission takes what is on disk), and which cannot be saved. */
  onDirtyChange?: (files: UnsavedFile[]) => void;
}

/**
 * The workspace editor: a file tree, tabs, CodeMirror 6, and a save that never overwrites
 * a change made in the terminal (the buffers, their saves and conflicts: useWorkspaceBuffers.ts).
 * Changes on disk arrive as server-sent events, polled while the stream is down; a dirty
 * buffer changed on disk asks for a choice (keep mine, load theirs, compare and merge).
 */
export default function WorkspaceEditor({
  workspaceId: ws,
  treeShare,
  onTreeShare,
  compare,
  onCloseCompare,
  onDirtyChange,
}: WorkspaceEditorProps) {
  const {
    entries,
    error: treeError,
    limits,
    expanded,
    setExpanded,
    toggle,
    refresh: refreshTree,
  } = useWorkspaceTree(ws);
  const {
    host,
    tabs,
    active,
    buffers,
    buffersRef,
    tabsRef,
    openError,
    merging,
    setMerging,
    stateOf,
    openFile,
    closeTab,
    save,
    pollFiles,
    keepMine,
    loadTheirs,
    takeMerged,
    followMove,
  } = useWorkspaceBuffers(ws, refreshTree, limits?.maxFileBytes);
  const [compareMine, setCompareMine] = useState<string | null>(null);

  // The server says when the workspace changes (server-sent events): the tree and the open
  // files are re-read at once. Polling stays as the fallback while the stream is down, each
  // poll with its own busy flag (a shared one let the file poll starve the tree's for good).
  useEffect(() => {
    void refreshTree();
    let live = false;
    const busy = { files: false, tree: false };
    const run = (key: keyof typeof busy, fn: () => Promise<void>) => {
      if (busy[key]) return;
      busy[key] = true;
      void fn().finally(() => (busy[key] = false));
    };
    const both = () => {
      run("tree", refreshTree);
      run("files", pollFiles);
    };
    const events = new EventSource(filesApi.eventsUrl(ws));
    events.addEventListener("ready", () => {
      // Whatever changed while the stream was down.
      if (!live) both();
      live = true;
    });
    events.addEventListener("change", both);
    events.onerror = () => (live = false);
    const poll = (key: keyof typeof busy, fn: () => Promise<void>) => () => !live && !document.hidden && run(key, fn);
    const files = window.setInterval(poll("files", pollFiles), POLL_FILES_MS);
    const tree = window.setInterval(poll("tree", refreshTree), POLL_TREE_MS);
    return () => {
      events.close();
      window.clearInterval(files);
      window.clearInterval(tree);
    };
  }, [ws, refreshTree, pollFiles]);

  // First listing: the files this browser had open (a reload), else the exercise's main
  // source file, as a learner would.
  const opened = useRef(false);
  const [restored, setRestored] = useState(false);
  useEffect(() => {
    if (opened.current || !entries) return;
    opened.current = true;
    const files = new Set(entries.filter((e) => e.type === "file").map((e) => e.path));
    const saved = storedTabs(ws);
    const again = saved?.tabs.filter((p) => files.has(p)) ?? [];
    const first =
      entries.find((e) => e.type === "file" && /^src\/[^/]+\.(ts|js|mjs)$/.test(e.path)) ??
      entries.find((e) => e.type === "file" && /\.(ts|js|md|ya?ml|json)$/.test(e.path) && !e.path.includes("/"));
    void (async () => {
      if (again.length) {
        // In order, so the tab strip reads as before; then the one that was shown.
        for (const p of again) await openFile(p);
        if (saved?.active && again.includes(saved.active)) await openFile(saved.active);
      } else if (first) await openFile(first.path);
      setRestored(true);
    })();
  }, [entries, openFile, ws]);
  useEffect(() => {
    if (restored) storeTabs(ws, { tabs, active });
  }, [restored, ws, tabs, active]);

  const dirtyKey = Object.entries(buffers)
    .filter(([, b]) => b.dirty)
    .map(([p, b]) => `${b.tooLarge ? "!" : " "}${p}`)
    .sort((a, b) => a.slice(1).localeCompare(b.slice(1)))
    .join("\n");
  useEffect(() => {
    onDirtyChange?.(dirtyKey ? dirtyKey.split("\n").map((k) => ({ path: k.slice(1), tooLarge: k[0] === "!" })) : []);
  }, [dirtyKey, onDirtyChange]);

  // Unsaved edits survive nothing but the tab: ask before leaving.
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (Object.values(buffersRef.current).some((b) => b.dirty)) e.preventDefault();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [buffersRef]); // a ref: the listener is added once

  // The solution diff compares with the learner's buffer if it is open, else the file on disk.
  useEffect(() => {
    if (!compare) return setCompareMine(null);
    const open = stateOf(compare.path);
    if (open) return setCompareMine(open.doc.toString());
    let cancelled = false;
    filesApi.read(ws, compare.path).then(
      (f) => !cancelled && setCompareMine(f?.content ?? ""),
      () => !cancelled && setCompareMine(""),
    );
    return () => {
      cancelled = true;
    };
  }, [compare, ws, stateOf]);

  async function onCreate(path: string, type: "file" | "dir") {
    await filesApi.create(ws, path, type);
    setExpanded((e) => new Set([...e, ...ancestors(path), ...(type === "dir" ? [path] : [])]));
    await refreshTree();
    if (type === "file") await openFile(path);
  }

  async function onMove(from: string, to: string) {
    await filesApi.move(ws, from, to);
    followMove(from, to);
    setExpanded((e) => new Set([...e].map((p) => movedPath(p, from, to) ?? p).concat(ancestors(to))));
    await refreshTree();
  }

  async function onDelete(path: string) {
    const affected = tabsRef.current.filter((p) => isWithin(p, path));
    if (
      affected.some((p) => buffersRef.current[p]?.dirty) &&
      !window.confirm("Some of these files have unsaved changes. Delete anyway?")
    )
      return;
    await filesApi.remove(ws, path);
    for (const p of affected) closeTab(p, { force: true });
    await refreshTree();
  }

  const buf = active ? (buffers[active] ?? CLEAN) : null;
  const conflict = buf?.conflict ?? null;
  const dirtySet = new Set(
    Object.entries(buffers)
      .filter(([, b]) => b.dirty)
      .map(([p]) => p),
  );
  const showingCompare = !!compare && compareMine !== null;
  const showingMerge = !showingCompare && !!merging && merging === active && conflict?.kind === "changed";
  const mineForMerge = showingMerge && active ? (stateOf(active)?.doc.toString() ?? "") : "";

  return (
    <section
      className="ws-editor"
      aria-label="Editor"
      data-testid="editor"
      data-workspace={ws}
      style={{ gridTemplateColumns: `minmax(150px, ${treeShare}fr) 6px minmax(0, ${1 - treeShare}fr)` }}
    >
      <div className="ws-tree-pane">
        {treeError && (
          <p role="alert" className="alert">
            {treeError}
          </p>
        )}
        {entries ? (
          <FileTree
            entries={entries}
            expanded={expanded}
            onToggle={toggle}
            activePath={active}
            dirty={dirtySet}
            onOpen={(p) => void openFile(p)}
            onCreate={onCreate}
            onMove={onMove}
            onDelete={onDelete}
          />
        ) : (
          !treeError && <p className="loading muted">Loading files…</p>
        )}
      </div>
      <Splitter
        orientation="vertical"
        value={treeShare}
        min={0.12}
        max={0.5}
        onChange={onTreeShare}
        label="Resize the file tree"
      />
      <div className="ws-main">
        <EditorTabs
          tabs={tabs}
          active={active}
          buffers={buffers}
          onSelect={(p) => void openFile(p)}
          onClose={(p) => closeTab(p)}
          onSave={(p) => void save(p)}
        />
        {active && conflict && (
          <ConflictBanner
            path={active}
            conflict={conflict}
            showingDiff={showingMerge}
            onKeepMine={() => keepMine(active)}
            onLoadTheirs={() => loadTheirs(active)}
            onToggleDiff={() => setMerging(showingMerge ? null : active)}
          />
        )}
        {(buf?.notice || buf?.error || openError) && (
          <p
            className={`ws-status${buf?.error || openError ? " ws-status-error" : ""}`}
            role="status"
            data-testid="editor-notice"
          >
            {openError ?? buf?.error ?? buf?.notice}
          </p>
        )}
        <div className="ws-code" ref={host} hidden={!active || showingCompare || showingMerge} />
        {!active && !showingCompare && <p className="ws-empty muted">Open a file from the tree, or create one.</p>}
        {showingMerge && active && conflict?.kind === "changed" && (
          <DiffView
            path={active}
            mine={mineForMerge}
            mineLabel="Yours (unsaved)"
            theirs={conflict.content}
            theirsLabel="On disk now"
            onMerged={(m) => takeMerged(active, m)}
            testId="conflict-diff"
          />
        )}
        {showingCompare && compare && (
          <div className="ws-compare">
            <div className="ws-compare-head">
              <strong>{compare.path}</strong>
              <span className="spacer" />
              <button type="button" className="btn btn-small" data-testid="close-compare" onClick={onCloseCompare}>
                Back to the editor
              </button>
            </div>
            <DiffView
              path={compare.path}
              mine={compareMine ?? ""}
              mineLabel="Your file"
              theirs={compare.content}
              theirsLabel={compare.label}
              testId="solution-diff"
            />
          </div>
        )}
      </div>
    </section>
  );
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(path); p; p = parentOf(p)) out.push(p);
  return out;
}
