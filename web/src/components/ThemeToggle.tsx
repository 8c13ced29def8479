import { setThemeChoice, useTheme, type ThemeChoice } from "../theme.ts";

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<ThemeChoice, string> = { system: "System", light: "Light", dark: "Dark" };
const ICON: Record<ThemeChoice, string> = { system: "◐", light: "☀", dark: "☾" };

/** Cycles system → light → dark; the button says the current choice and what a press does. */
export function ThemeToggle() {
  const { choice, theme } = useTheme();
  const next = NEXT[choice];
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small theme-toggle"
      data-testid="theme-toggle"
      data-theme-choice={choice}
      aria-label={`Theme: ${LABEL[choice]}${choice === "system" ? ` (${theme})` : ""}. Switch to ${LABEL[next].toLowerCase()}.`}
      title={`Switch to the ${LABEL[next].toLowerCase()} theme`}
      onClick={() => setThemeChoice(next)}
    >
      <span aria-hidden="true">{ICON[choice]}</span> {LABEL[choice]}
    </button>
  );
}
