import { useSyncExternalStore } from "react";

/**
 * Light and dark themes. The choice ("system" follows prefers-color-scheme) is remembered in
 * localStorage; the resolved theme is `data-theme` on <html>, which styles.css keys its
 * colours on. public/theme.js applies it before the first paint (no inline script under the
 * CSP); this module keeps it current and tells subscribers (the terminal) when it changes.
 */
export type ThemeChoice = "system" | "light" | "dark";
export type Theme = "light" | "dark";

export const THEME_KEY = "backlab.theme";
const CHANGE = "backlab:theme";
const media = () => window.matchMedia("(prefers-color-scheme: dark)");

export function themeChoice(): ThemeChoice {
  const v = localStorage.getItem(THEME_KEY);
  return v === "light" || v === "dark" ? v : "system";
}

export function resolvedTheme(choice: ThemeChoice = themeChoice()): Theme {
  if (choice !== "system") return choice;
  return media().matches ? "dark" : "light";
}

function apply(): void {
  const theme = resolvedTheme();
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

export function setThemeChoice(choice: ThemeChoice): void {
  if (choice === "system") localStorage.removeItem(THEME_KEY);
  else localStorage.setItem(THEME_KEY, choice);
  apply();
  window.dispatchEvent(new Event(CHANGE));
}

/** Calls `onChange` when the resolved theme may have changed (a choice, or the OS switching). */
export function subscribeTheme(onChange: () => void): () => void {
  const m = media();
  const onSystem = () => {
    apply();
    onChange();
  };
  const onStorage = (e: StorageEvent) => {
    // Another tab changed the choice.
    if (e.key === THEME_KEY) onSystem();
  };
  window.addEventListener(CHANGE, onChange);
  window.addEventListener("storage", onStorage);
  m.addEventListener("change", onSystem);
  return () => {
    window.removeEventListener(CHANGE, onChange);
    window.removeEventListener("storage", onStorage);
    m.removeEventListener("change", onSystem);
  };
}

export function useTheme(): { choice: ThemeChoice; theme: Theme } {
  const choice = useSyncExternalStore(subscribeTheme, themeChoice);
  const theme = useSyncExternalStore(subscribeTheme, () => resolvedTheme());
  return { choice, theme };
}

apply();
