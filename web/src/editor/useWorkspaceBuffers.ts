import { useCallback, useEffect, useRef, useState } from "react";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { ApiError, errorMessage } from "../api.ts";
import { ConflictError, filesApi } from "../workspace/filesApi.ts";
import { CLEAN, tooLargeMessage, type Base, type BufferState, type Conflict } from "./buffers.ts";
import { baseExtensions, languageFor } from "./setup.ts";
import { movedPath } from "./tree.ts";

const MAX_TABS = 8;

const language = new Compartment();

/**
 * The open files of the workspace editor: one CodeMirror view whose EditorState is swapped per
 * buffer, their tabs, and a save that never overwrites a change made in the terminal. Every
 * save carries If-Match with the ETag the buffer was loaded from; `pollFiles` re-reads open
 * files with If-None-Match, so a change on disk reloads a clean buffer and turns a dirty one
 * into a conflict, resolved by `keepMine`, `loadTheirs` or `takeMerged`.
 */
export function useWorkspaceBuffers(ws: string, refreshTree: () => Promise<void>, maxFileBytes?: number) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const states = useRef(new Map<string, EditorState>());
  const bases = useRef(new Map<string, Base>());
  const activeRef = useRef<string | null>(null);
  const [tabs, setTabs] = useState<string[]>([]);
  const [active, setActive] = useState<string | null>(null);
  const [buffers, setBuffers] = useState<Record<string, BufferState>>({});
  const [openError, setOpenError] = useState<string | null>(null);
  const [merging, setMerging] = useState<string | null>(null);
  const buffersRef = useRef(buffers);
  buffersRef.current = buffers;
  const tabsRef = useRef(tabs);
  tabsRef.current = tabs;

  const patch = useCallback((path: string, p: Partial<BufferState>) => {
    setBuffers((b) => ({ ...b, [path]: { ...(b[path] ?? CLEAN), ...p } }));
  }, []);

  /** The live state of a buffer: the view's for the active file, the stored one otherwise. */
  const stateOf = useCallback(
    (path: string): EditorState | undefined =>
      path === activeRef.current && view.current ? view.current.state : states.current.get(path),
    [],
  );

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
  const actions = useRef({
    save: (_path: string) => Promise.resolve(),
    docChanged: (_path: string, _state: EditorState) => {},
  });

  // The one EditorView; buffers swap their EditorState in and out (each keeps its undo history).
  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({ doc: "", extensions: baseExtensions({ readOnly: true }) }),
    });
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
        Prec.high(
          keymap.of([{ key: "Mod-s", preventDefault: true, run: () => (void actions.current.save(path), true) }]),
        ),
        baseExtensions(),
        language.of([]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) actions.current.docChanged(path, u.state);
        }),
        EditorView.contentAttributes.of({ "aria-label": `Editing ${path}`, "data-path": path }),
      ],
    });
  }, []);

  const loadLanguage = useCallback((path: string) => {
    void languageFor(path).then((lang) => {
      const effects = language.reconfigure(lang);
      if (path === activeRef.current && view.current) view.current.dispatch({ effects });
      else {
        const st = states.current.get(path);
        if (st) states.current.set(path, st.update({ effects }).state);
      }
    });
  }, []);

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
      if (!opts.force && buffersRef.current[path]?.dirty && !window.confirm(`Discard your unsaved changes to ${path}?`))
        return;
      const remaining = tabsRef.current.filter((p) => p !== path);
      if (activeRef.current === path) {
        const next = remaining[remaining.length - 1] ?? null;
        activeRef.current = null;
        activate(next);
        if (!next)
          view.current?.setState(EditorState.create({ doc: "", extensions: baseExtensions({ readOnly: true }) }));
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
      // Over the server's limit (a big paste): say so here instead of a refused request.
      const bytes = new TextEncoder().encode(content).length;
      if (maxFileBytes !== undefined && bytes > maxFileBytes) {
        patch(path, { tooLarge: true, notice: null, error: tooLargeMessage(path, bytes, maxFileBytes) });
        return;
      }
      patch(path, { saving: true, error: null, notice: null, tooLarge: false });
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
        patch(path, {
          saving: false,
          deleted: false,
          conflict: null,
          dirty: now !== content,
          notice: `Saved ${new Date().toLocaleTimeString()}.`,
        });
      } catch (err) {
        if (err instanceof ConflictError) {
          patch(path, {
            saving: false,
            notice: null,
            conflict: await readTheirs(path).catch(() => ({ kind: "deleted" }) as const),
          });
        } else if (err instanceof ApiError && err.status === 404) {
          bases.current.set(path, { content: base.content, etag: null });
          patch(path, {
            saving: false,
            deleted: true,
            error: "The file was deleted on disk. Save again to create it.",
          });
        } else {
          patch(path, { saving: false, error: errorMessage(err) });
        }
      }
    },
    [ws, stateOf, patch, refreshTree, readTheirs, maxFileBytes],
  );

  actions.current = {
    save,
    docChanged: (path, state) => {
      const base = bases.current.get(path);
      const dirty = !base || state.doc.toString() !== base.content;
      if ((buffersRef.current[path]?.dirty ?? false) !== dirty) patch(path, { dirty });
      // Cut back under the limit: Save can write it again.
      if (buffersRef.current[path]?.tooLarge && maxFileBytes !== undefined) {
        if (new TextEncoder().encode(state.doc.toString()).length <= maxFileBytes)
          patch(path, { tooLarge: false, error: null });
      }
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
        else
          patch(path, { deleted: true, notice: `${path} was deleted on disk. Save to create it again, or close it.` });
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
        patch(path, {
          dirty: false,
          deleted: false,
          notice: `${path} changed on disk (in the terminal?) and was reloaded.`,
        });
      }
    }
  }, [ws, stateOf, patch, replaceDoc]);

  /** After a move on disk: buffers follow their files, with the same undo history and dirty state under the new name. */
  function followMove(from: string, to: string) {
    const renames = tabsRef.current
      .map((p) => [p, movedPath(p, from, to)] as const)
      .filter((r): r is readonly [string, string] => r[1] !== null);
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
  }

  function keepMine(path: string) {
    const c = buffersRef.current[path]?.conflict;
    if (!c) return;
    const base = bases.current.get(path);
    bases.current.set(
      path,
      c.kind === "changed" ? { content: c.content, etag: c.etag } : { content: base?.content ?? "", etag: null },
    );
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
    patch(path, {
      conflict: null,
      dirty: false,
      deleted: false,
      notice: "Loaded the version on disk; your edits are in the undo history (Ctrl-Z).",
    });
  }

  function takeMerged(path: string, merged: string) {
    const c = buffersRef.current[path]?.conflict;
    if (c?.kind !== "changed") return;
    bases.current.set(path, { content: c.content, etag: c.etag });
    replaceDoc(path, merged);
    setMerging(null);
    patch(path, { conflict: null, dirty: merged !== c.content, notice: "Merged. Save to write it." });
  }

  return {
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
  };
}
