import { useCallback, useState } from "react";

/** Shares of the exercise page's panes, remembered in localStorage across exercises. */
export interface Layout {
  /** Instructions column, of the page's width. */
  side: number;
  /** Editor, of the work column's height (the terminal and results below). */
  editor: number;
  /** Terminal, of the bottom row's width (the results beside it). */
  terminal: number;
  /** File tree, of the editor's width. */
  tree: number;
}

export const LAYOUT_KEY = "backlab.layout.exercise.v1";
export const DEFAULT_LAYOUT: Layout = { side: 0.3, editor: 0.55, terminal: 0.6, tree: 0.22 };

function load(): Layout {
  try {
    const raw = JSON.parse(localStorage.getItem(LAYOUT_KEY) ?? "{}") as Partial<Record<keyof Layout, unknown>>;
    const out = { ...DEFAULT_LAYOUT };
    for (const k of Object.keys(DEFAULT_LAYOUT) as (keyof Layout)[]) {
      const v = raw[k];
      if (typeof v === "number" && v > 0.05 && v < 0.95) out[k] = v;
    }
    return out;
  } catch {
    return { ...DEFAULT_LAYOUT };
  }
}

export function useLayout(): [Layout, (patch: Partial<Layout>) => void] {
  const [layout, setLayout] = useState<Layout>(load);
  const update = useCallback((patch: Partial<Layout>) => {
    setLayout((prev) => {
      const next = { ...prev, ...patch };
      try {
        localStorage.setItem(LAYOUT_KEY, JSON.stringify(next));
      } catch {
        // Storage full or disabled: the layout still works for this visit.
      }
      return next;
    });
  }, []);
  return [layout, update];
}

/** A yes/no of the page's layout (instructions collapsed), remembered like the shares. */
export function useStoredFlag(key: string): [boolean, (v: boolean) => void] {
  const [flag, setFlag] = useState<boolean>(() => {
    try {
      return localStorage.getItem(key) === "1";
    } catch {
      return false;
    }
  });
  const update = useCallback(
    (v: boolean) => {
      setFlag(v);
      try {
        localStorage.setItem(key, v ? "1" : "0");
      } catch {
        // Storage disabled: the choice holds for this visit.
      }
    },
    [key],
  );
  return [flag, update];
}
