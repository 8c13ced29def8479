import { useCallback, useEffect, useRef, useState } from "react";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { ApiError, errorMessage } from "../api.ts";
import { Splitter } from "../components/Splitter.tsx";
import { ConflictError, filesApi } from "../workspace/filesApi.ts";
import { CLEAN, type Base, type BufferState, type Conflict } from "./buffers.ts";
import { DiffView } from "./DiffView.tsx";
import { ConflictBanner, EditorTabs } from "./EditorChrome.tsx";
import { FileTree } from "./FileTree.tsx";
import { baseExtensions, languageFor } from "./setup.ts";
import { isWithin, movedPath, parentOf } from "./tree.ts";
import { useWorkspaceTree } from "./useWorkspaceTree.ts";
import "./editor.css";

/** While the change stream is down: how often open files, and the tree, are checked. */
const POLL_FILES_MS = 2000;
const POLL_TREE_MS = 4000;
const MAX_TABS = 8;

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
  /** Told which open files have unsaved edits (a submission takes what is on disk). */
  onDirtyChange?: (paths: string[]) => void;
}

const language = new Compartment();

/**
 * The workspace editor: a file tree, tabs, CodeMirror 6, and a save that never overwrites
 * a change made in the terminal. Every save carries If-Match with the ETag the buffer was
 * loaded from; open files are polled with If-None-Match, so a change on disk reloads a clean
 * buffer and turns a dirty one into a conflict with a clear choice (keep mine, load theirs,
 * compare and merge).
 */
export default function WorkspaceEditor({ workspaceId: ws, treeShare, onTreeShare, compare, onCloseCompare, onDirtyChange }: WorkspaceEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const states = useRef(new Map<string, EditorState>());
  const bases = useRef(new Map<string, Base>());
  const activeRef = useRef<string | null>(null);
  const { entries, error: treeError, expanded, setExpanded, toggle, refresh: refreshTree } = useWorkspaceTree(ws);
  const [tabs, setTabs] = useState<string[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [buffers, setBuffers] = useState<Record<string, BufferState>>({});
  const [openError, setOpenError] = useState<string | null>(null);
  const [merging, setMerging] = useState<string | null>(null);
  const [compareMine, setCompareMine] = useState<string | null>(null);
  const buffersRef = useRef(buffers);
  buffersRef.current = buffers;
  const tabsRef = useRef(tabs);
  tabsRef.current = tabs;

  const patch = useCallback((path: string, p: Partial<BufferState>) => {
    setBuffers((b) => ({ ...b, [path]: { ...(b[path] ?? CLEAN), ...p } }));
  }, []);

  /** The live state of a buffer: the view's for the active file, the stored one otherwise. */
  const stateOf = useCallback((path: string): EditorState | undefined => (path === activeRef.current && view.current ? view.current.state : states.current.get(path)), []);

  const replaceDoc = useCallback(
    (path: string, content: string) => {
      const st = stateOf(path);
      if (!st) return;
      const spec = { changes: { from: 0, to: st.doc.length, insert: content } };
      if (path === activeRef.current && view.current) view.current.dispatch(spec);
      else states.current.set(path, st.update(spec).state);
    },
    [stateOf],
  );

  // Handlers the editor's keymap and listeners call: always the latest closures.
  const actions = useRef({ save: (_path: string) => Promise.resolve(), docChanged: (_path: string, _state: EditorState) => {} });

  // The one EditorView; buffers swap their EditorState in and out (each keeps its undo history).
  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({ parent: host.current, state: EditorState.create({ doc: "", extensions: baseExtensions({ readOnly: true }) }) });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, []);

  const makeState = useCallback((path: string, doc: string): EditorState => {
    return EditorState.create({
      doc,
      extensions: [
        Prec.high(keymap.of([{ key: "Mod-s", preventDefault: true, run: () => (void actions.current.save(path), true) }])),
        baseExtensions(),
        language.of([]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) actions.current.docChanged(path, u.state);
        }),
        EditorView.contentAttributes.of({ "aria-label": `Editing ${path}`, "data-path": path }),
      ],
    });
  }, []);

  const loadLanguage = useCallback(
    (path: string) => {
      void languageFor(path).then((lang) => {
        const effects = language.reconfigure(lang);
        if (path === activeRef.current && view.current) view.current.dispatch({ effects });
        else {
          const st = states.current.get(path);
          if (st) states.current.set(path, st.update({ effects }).state);
        }
      });
    },
    [],
  );

  const activate = useCallback((path: string | null) => {
    const v = view.current;
    if (!v) return;
    const prev = activeRef.current;
    if (prev && prev !== path && states.current.has(prev)) states.current.set(prev, v.state);
    activeRef.current = path;
    setActive(path);
    if (path) {
      const st = states.current.get(path);
      if (st) v.setState(st);
    }
  }, []);

  const openFile = useCallback(
    async (path: string) => {
      setOpenError(null);
      setMerging(null);
      if (!states.current.has(path)) {
        let file;
        try {
          file = await filesApi.read(ws, path);
        } catch (err) {
          setOpenError(`${path}: ${errorMessage(err)}`);
          return;
        }
        if (!file) return;
        bases.current.set(path, { content: file.content, etag: file.etag });
        states.current.set(path, makeState(path, file.content));
        patch(path, CLEAN);
        loadLanguage(path);
      }
      setTabs((t) => {
        if (t.includes(path)) return t;
        const next = [...t, path];
        // Too many tabs: the oldest clean one gives way (its buffer is dropped).
        if (next.length > MAX_TABS) {
          const drop = next.find((p) => p !== path && !buffersRef.current[p]?.dirty);
          if (drop) {
            states.current.delete(drop);
            bases.current.delete(drop);
            return next.filter((p) => p !== drop);
          }
        }
        return next;
      });
      activate(path);
      view.current?.focus();
    },
    [ws, makeState, patch, loadLanguage, activate],
  );

  const closeTab = useCallback(
    (path: string, opts: { force?: boolean } = {}) => {
      if (!opts.force && buffersRef.current[path]?.dirty && !window.confirm(`Discard your unsaved changes to ${path}?`)) return;
      const remaining = tabsRef.current.filter((p) => p !== path);
      if (activeRef.current === path) {
        const next = remaining[remaining.length - 1] ?? null;
        activeRef.current = null;
        activate(next);
        if (!next) view.current?.setState(EditorState.create({ doc: "", extensions: baseExtensions({ readOnly: true }) }));
      }
      states.current.delete(path);
      bases.current.delete(path);
      setTabs(remaining);
      setBuffers((b) => {
        const { [path]: _gone, ...rest } = b;
        return rest;
      });
    },
    [activate],
  );

  /** What is on disk now: the file, or a deletion. */
  const readTheirs = useCallback(
    async (path: string): Promise<Conflict> => {
      try {
        const file = await filesApi.read(ws, path);
        return file ? { kind: "changed", content: file.content, etag: file.etag } : { kind: "deleted" };
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return { kind: "deleted" };
        throw err;
      }
    },
    [ws],
  );

  const save = useCallback(
    async (path: string) => {
      const st = stateOf(path);
      const base = bases.current.get(path);
      if (!st || !base || buffersRef.current[path]?.saving) return;
      if (buffersRef.current[path]?.conflict) return; // the banner asks first
      const content = st.doc.toString();
      patch(path, { saving: true, error: null, notice: null });
      try {
        if (base.etag === null) {
          const { entry } = await filesApi.create(ws, path, "file", content);
          bases.current.set(path, { content, etag: entry.etag ?? null });
          void refreshTree();
        } else {
          const meta = await filesApi.write(ws, path, content, base.etag);
          bases.current.set(path, { content, etag: meta.etag });
        }
        const now = stateOf(path)?.doc.toString();
        patch(path, { saving: false, deleted: false, conflict: null, dirty: now !== content, notice: `Saved ${new Date().toLocaleTimeString()}.` });
      } catch (err) {
        if (err instanceof ConflictError) {
          patch(path, { saving: false, notice: null, conflict: await readTheirs(path).catch(() => ({ kind: "deleted" }) as const) });
        } else if (err instanceof ApiError && err.status === 404) {
          bases.current.set(path, { content: base.content, etag: null });
          patch(path, { saving: false, deleted: true, error: "The file was deleted on disk. Save again to create it." });
        } else {
          patch(path, { saving: false, error: errorMessage(err) });
        }
      }
    },
    [ws, stateOf, patch, refreshTree, readTheirs],
  );

  actions.current = {
    save,
    docChanged: (path, state) => {
      const base = bases.current.get(path);
      const dirty = !base || state.doc.toString() !== base.content;
      if ((buffersRef.current[path]?.dirty ?? false) !== dirty) patch(path, { dirty });
    },
  };

  // Notice changes made outside the editor (the terminal): conditional GETs of open files.
  const pollFiles = useCallback(async () => {
    for (const path of tabsRef.current) {
      const base = bases.current.get(path);
      const buf = buffersRef.current[path];
      if (!base || base.etag === null || buf?.saving || buf?.conflict) continue;
      let file;
      try {
        file = await filesApi.read(ws, path, base.etag);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404) || bases.current.get(path) !== base) continue;
        const dirty = stateOf(path)?.doc.toString() !== base.content;
        bases.current.set(path, { content: base.content, etag: null });
        if (dirty) patch(path, { notice: null, conflict: { kind: "deleted" } });
        else patch(path, { deleted: true, notice: `${path} was deleted on disk. Save to create it again, or close it.` });
        continue;
      }
      // Unchanged (304), or a save of ours landed meanwhile and moved the base on.
      if (!file || bases.current.get(path) !== base || file.etag === base.etag) continue;
      const dirty = stateOf(path)?.doc.toString() !== base.content;
      if (dirty) {
        patch(path, { notice: null, conflict: { kind: "changed", content: file.content, etag: file.etag } });
      } else {
        bases.current.set(path, { content: file.content, etag: file.etag });
        replaceDoc(path, file.content);
        patch(path, { dirty: false, deleted: false, notice: `${path} changed on disk (in the terminal?) and was reloaded.` });
      }
    }
  }, [ws, stateOf, patch, replaceDoc]);

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

  // First listing: open the exercise's main source file, as a learner would.
  const opened = useRef(false);
  useEffect(() => {
    if (opened.current || !entries) return;
    opened.current = true;
    const first = entries.find((e) => e.type === "file" && /^src\/[^/]+\.(ts|js|mjs)$/.test(e.path)) ?? entries.find((e) => e.type === "file" && /\.(ts|js|md|ya?ml|json)$/.test(e.path) && !e.path.includes("/"));
    if (first) void openFile(first.path);
  }, [entries, openFile]);

  const dirtyKey = Object.entries(buffers)
    .filter(([, b]) => b.dirty)
    .map(([p]) => p)
    .sort()
    .join("\n");
  useEffect(() => {
    onDirtyChange?.(dirtyKey ? dirtyKey.split("\n") : []);
  }, [dirtyKey, onDirtyChange]);

  // Unsaved edits survive nothing but the tab: ask before leaving.
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (Object.values(buffersRef.current).some((b) => b.dirty)) e.preventDefault();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, []);

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
    // Buffers follow their files: the same undo history and dirty state under the new name.
    const renames = tabsRef.current.map((p) => [p, movedPath(p, from, to)] as const).filter((r): r is readonly [string, string] => r[1] !== null);
    for (const [oldPath, newPath] of renames) {
      const live = oldPath === activeRef.current && view.current ? view.current.state : states.current.get(oldPath);
      const base = bases.current.get(oldPath);
      states.current.delete(oldPath);
      bases.current.delete(oldPath);
      if (live) states.current.set(newPath, makeState(newPath, live.doc.toString()));
      if (base) bases.current.set(newPath, base);
      loadLanguage(newPath);
    }
    if (renames.length) {
      const map = new Map(renames);
      setTabs((t) => t.map((p) => map.get(p) ?? p));
      setBuffers((b) => Object.fromEntries(Object.entries(b).map(([p, s]) => [map.get(p) ?? p, s])));
      const newActive = activeRef.current ? map.get(activeRef.current) : undefined;
      if (newActive) {
        activeRef.current = null;
        activate(newActive);
      }
    }
    setExpanded((e) => new Set([...e].map((p) => movedPath(p, from, to) ?? p).concat(ancestors(to))));
    await refreshTree();
  }

  async function onDelete(path: string) {
    const affected = tabsRef.current.filter((p) => isWithin(p, path));
    if (affected.some((p) => buffersRef.current[p]?.dirty) && !window.confirm("Some of these files have unsaved changes. Delete anyway?")) return;
    await filesApi.remove(ws, path);
    for (const p of affected) closeTab(p, { force: true });
    await refreshTree();
  }

  function keepMine(path: string) {
    const c = buffersRef.current[path]?.conflict;
    if (!c) return;
    const base = bases.current.get(path);
    bases.current.set(path, c.kind === "changed" ? { content: c.content, etag: c.etag } : { content: base?.content ?? "", etag: null });
    patch(path, { conflict: null });
    buffersRef.current = { ...buffersRef.current, [path]: { ...(buffersRef.current[path] ?? CLEAN), conflict: null } };
    void save(path);
  }

  function loadTheirs(path: string) {
    const c = buffersRef.current[path]?.conflict;
    if (!c) return;
    setMerging(null);
    if (c.kind === "deleted") return closeTab(path, { force: true });
    bases.current.set(path, { content: c.content, etag: c.etag });
    replaceDoc(path, c.content);
    patch(path, { conflict: null, dirty: false, deleted: false, notice: "Loaded the version on disk; your edits are in the undo history (Ctrl-Z)." });
  }

  function takeMerged(path: string, merged: string) {
    const c = buffersRef.current[path]?.conflict;
    if (c?.kind !== "changed") return;
    bases.current.set(path, { content: c.content, etag: c.etag });
    replaceDoc(path, merged);
    setMerging(null);
    patch(path, { conflict: null, dirty: merged !== c.content, notice: "Merged. Save to write it." });
  }

  const buf = active ? (buffers[active] ?? CLEAN) : null;
  const conflict = buf?.conflict ?? null;
  const dirtySet = new Set(Object.entries(buffers).filter(([, b]) => b.dirty).map(([p]) => p));
  const showingCompare = !!compare && compareMine !== null;
  const showingMerge = !showingCompare && !!merging && merging === active && conflict?.kind === "changed";
  const mineForMerge = showingMerge && active ? (stateOf(active)?.doc.toString() ?? "") : "";

  return (
    <section className="ws-editor" aria-label="Editor" data-testid="editor" data-workspace={ws} style={{ gridTemplateColumns: `minmax(150px, ${treeShare}fr) 6px minmax(0, ${1 - treeShare}fr)` }}>
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
      <Splitter orientation="vertical" value={treeShare} min={0.12} max={0.5} onChange={onTreeShare} label="Resize the file tree" />
      <div className="ws-main">
        <EditorTabs tabs={tabs} active={active} buffers={buffers} onSelect={(p) => void openFile(p)} onClose={(p) => closeTab(p)} onSave={(p) => void save(p)} />
        {active && conflict && (
          <ConflictBanner path={active} conflict={conflict} showingDiff={showingMerge} onKeepMine={() => keepMine(active)} onLoadTheirs={() => loadTheirs(active)} onToggleDiff={() => setMerging(showingMerge ? null : active)} />
        )}
        {(buf?.notice || buf?.error || openError) && (
          <p className={`ws-status${buf?.error || openError ? " ws-status-error" : ""}`} role="status" data-testid="editor-notice">
            {openError ?? buf?.error ?? buf?.notice}
          </p>
        )}
        <div className="ws-code" ref={host} hidden={!active || showingCompare || showingMerge} />
        {!active && !showingCompare && <p className="ws-empty muted">Open a file from the tree, or create one.</p>}
        {showingMerge && active && conflict?.kind === "changed" && (
          <DiffView path={active} mine={mineForMerge} mineLabel="Yours (unsaved)" theirs={conflict.content} theirsLabel="On disk now" onMerged={(m) => takeMerged(active, m)} testId="conflict-diff" />
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
            <DiffView path={compare.path} mine={compareMine ?? ""} mineLabel="Your file" theirs={compare.content} theirsLabel={compare.label} testId="solution-diff" />
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
