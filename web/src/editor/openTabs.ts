/**
 * The files this browser had open in a workspace's editor, and the active one, so a reload
 * opens them all again (it used to open only the exercise's main file).
 */
export type OpenTabs = { tabs: string[]; active: string | null };

const keyOf = (ws: string) => `backlab.editor.${ws}`;

export function storedTabs(ws: string): OpenTabs | null {
  try {
    const v = JSON.parse(localStorage.getItem(keyOf(ws)) ?? "null") as Partial<OpenTabs> | null;
    if (!v || !Array.isArray(v.tabs)) return null;
    const tabs = v.tabs.filter((p): p is string => typeof p === "string" && p.length > 0).slice(0, 20);
    return { tabs, active: typeof v.active === "string" && tabs.includes(v.active) ? v.active : null };
  } catch {
    return null;
  }
}

export function storeTabs(ws: string, open: OpenTabs): void {
  try {
    localStorage.setItem(keyOf(ws), JSON.stringify(open));
  } catch {
    // Storage full or refused (private mode): a reload then opens the main file only.
  }
}
