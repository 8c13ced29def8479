/**
 * CodeMirror 6 for the exercise page: the shared extensions, a theme drawn from the page's
 * CSS variables (so light/dark follow the lab's theme without a reload), and language
 * support loaded on demand per file type, so the editor chunk stays small.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  HighlightStyle,
  indentOnInput,
  syntaxHighlighting,
  type LanguageSupport,
  type StreamParser,
  StreamLanguage,
} from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorState, type Extension } from "@codemirror/state";
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.operatorKeyword, t.modifier, t.controlKeyword], color: "var(--cm-keyword)" },
  { tag: [t.string, t.special(t.string), t.regexp], color: "var(--cm-string)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--cm-number)" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "var(--cm-function)" },
  { tag: [t.typeName, t.className, t.namespace], color: "var(--cm-type)" },
  { tag: [t.propertyName, t.attributeName], color: "var(--cm-property)" },
  { tag: [t.heading], color: "var(--cm-keyword)", fontWeight: "bold" },
  { tag: [t.link, t.url], color: "var(--cm-string)", textDecoration: "underline" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.invalid, color: "var(--fail)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "13.5px", backgroundColor: "var(--cm-bg)", color: "var(--text)" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  "&.cm-focused": { outline: "none" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "var(--cm-selection) !important",
  },
  ".cm-gutters": { backgroundColor: "var(--cm-bg)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { backgroundColor: "var(--cm-active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--cm-active-line)" },
  ".cm-tooltip": { backgroundColor: "var(--surface)", color: "var(--text)", border: "1px solid var(--border)" },
  ".cm-panels": { backgroundColor: "var(--surface-2)", color: "var(--text)" },
  ".cm-searchMatch": { backgroundColor: "var(--cm-search)" },
});

/** Everything but the language: the same for the editor and both sides of a diff. */
export function baseExtensions(opts: { readOnly?: boolean } = {}): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    syntaxHighlighting(highlight),
    bracketMatching(),
    closeBrackets(),
    autocompletion(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    // Tab indents inside the editor; Escape then Tab leaves it (CodeMirror's keyboard-trap escape).
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      ...completionKeymap,
      indentWithTab,
    ]),
    theme,
    EditorView.lineWrapping,
    ...(opts.readOnly ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : []),
  ];
}

const legacy = (parser: StreamParser<unknown>) => StreamLanguage.define(parser);

/** The language for a file name, loaded on first use; [] for plain text. */
export async function languageFor(path: string): Promise<Extension> {
  const name = path.split("/").pop() ?? path;
  const ext = name.includes(".") ? name.slice(name.lastIndexOf(".") + 1).toLowerCase() : "";
  const lang = async (): Promise<LanguageSupport | Extension | null> => {
    if (/^(Dockerfile|Containerfile)(\..*)?$/i.test(name) || ext === "dockerfile")
      return legacy((await import("@codemirror/legacy-modes/mode/dockerfile")).dockerFile as StreamParser<unknown>);
    switch (ext) {
      case "ts":
      case "mts":
      case "cts":
        return (await import("@codemirror/lang-javascript")).javascript({ typescript: true });
      case "tsx":
        return (await import("@codemirror/lang-javascript")).javascript({ typescript: true, jsx: true });
      case "js":
      case "mjs":
      case "cjs":
        return (await import("@codemirror/lang-javascript")).javascript();
      case "jsx":
        return (await import("@codemirror/lang-javascript")).javascript({ jsx: true });
      case "json":
        return (await import("@codemirror/lang-json")).json();
      case "yaml":
      case "yml":
        return (await import("@codemirror/lang-yaml")).yaml();
      case "md":
      case "markdown":
        return (await import("@codemirror/lang-markdown")).markdown();
      case "sh":
      case "bash":
        return legacy((await import("@codemirror/legacy-modes/mode/shell")).shell as StreamParser<unknown>);
      case "toml":
        return legacy((await import("@codemirror/legacy-modes/mode/toml")).toml as StreamParser<unknown>);
      default:
        return null;
    }
  };
  try {
    return (await lang()) ?? [];
  } catch {
    // A chunk that failed to load (offline, a new deploy): edit as plain text.
    return [];
  }
}
