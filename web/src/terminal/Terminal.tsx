import { useEffect, useRef, useState } from "react";
import { Terminal as XTerm, type ITheme } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { WebLinksAddon } from "@xterm/addon-web-links";
import "@xterm/xterm/css/xterm.css";
import { TerminalConnection, type ConnectionStatus, type TerminalSink } from "./connection.ts";
import { terminalUrl, type TerminalRole } from "./protocol.ts";
import { resolvedTheme, subscribeTheme } from "../theme.ts";
import { Link } from "../components/Link.tsx";

const LIGHT: ITheme = {
  background: "#fbfbfc",
  foreground: "#1f2328",
  cursor: "#1f2328",
  cursorAccent: "#fbfbfc",
  selectionBackground: "#b6d3ff",
  black: "#24292f",
  red: "#cf222e",
  green: "#116329",
  yellow: "#7d4e00",
  blue: "#0550ae",
  magenta: "#8250df",
  cyan: "#1b7c83",
  white: "#6e7781",
  brightBlack: "#57606a",
  brightRed: "#a40e26",
  brightGreen: "#1a7f37",
  brightYellow: "#633c01",
  brightBlue: "#218bff",
  brightMagenta: "#a475f9",
  brightCyan: "#3192aa",
  brightWhite: "#8c959f",
};

const DARK: ITheme = {
  background: "#0d1117",
  foreground: "#e6edf3",
  cursor: "#e6edf3",
  cursorAccent: "#0d1117",
  selectionBackground: "#264f78",
  black: "#484f58",
  red: "#ff7b72",
  green: "#3fb950",
  yellow: "#d29922",
  blue: "#58a6ff",
  magenta: "#bc8cff",
  cyan: "#39c5cf",
  white: "#b1bac4",
  brightBlack: "#6e7681",
  brightRed: "#ffa198",
  brightGreen: "#56d364",
  brightYellow: "#e3b341",
  brightBlue: "#79c0ff",
  brightMagenta: "#d2a8ff",
  brightCyan: "#56d4dd",
  brightWhite: "#ffffff",
};

const FONT_KEY = "backlab.terminal.fontSize";
const MIN_FONT = 10;
const MAX_FONT = 24;
/** RIS (full reset), in band: applies after anything still queued in xterm's write buffer. */
const RIS = "\x1bc";

function initialFontSize(): number {
  const v = Number(localStorage.getItem(FONT_KEY));
  return Number.isFinite(v) && v >= MIN_FONT && v <= MAX_FONT ? v : 14;
}

/** Text shown inside the terminal: no control characters of its own. */
function printable(s: string): string {
  return Array.from(s, (c) => (c < " " || c === "\x7f" ? " " : c)).join("");
}

/** Links open in a new tab that cannot reach back into the lab (noopener); http(s) only. */
function openLink(event: MouseEvent, uri: string): void {
  event.preventDefault();
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return;
  window.open(url.href, "_blank", "noopener,noreferrer");
}

/** The Clipboard API exists only in secure contexts (not on a plain-HTTP workshop LAN). */
function clipboardApi(): Clipboard | null {
  return window.isSecureContext && typeof navigator.clipboard !== "undefined" ? navigator.clipboard : null;
}

function copySelection(term: XTerm): void {
  const text = term.getSelection();
  if (!text) return;
  const clipboard = clipboardApi();
  if (clipboard) {
    clipboard.writeText(text).catch(() => undefined);
    return;
  }
  // No Clipboard API: a copy command fires a copy event, which xterm fills with the selection.
  document.execCommand("copy");
}

/** Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes; every other key goes to xterm. */
function clipboardKeys(term: XTerm) {
  return (ev: KeyboardEvent): boolean => {
    if (!ev.ctrlKey || !ev.shiftKey || ev.altKey || ev.metaKey) return true;
    if (ev.code !== "KeyC" && ev.code !== "KeyV") return true;
    if (ev.type === "keydown") {
      const clipboard = clipboardApi();
      if (ev.code === "KeyC") {
        ev.preventDefault();
        copySelection(term);
      } else if (clipboard) {
        ev.preventDefault(); // no second, native paste
        clipboard.readText().then(
          (text) => {
            if (text) term.paste(text); // bracketed paste when the shell asked for it
          },
          () => undefined,
        );
      }
      // Without the Clipboard API the browser's own Ctrl+Shift+V paste reaches xterm's textarea.
    }
    return false;
  };
}

/**
 * Tab belongs to the shell (completion), so the terminal would trap keyboard users: Escape
 * then Tab (within a second) leaves it instead, and the browser moves focus on (WCAG 2.1.2).
 * The Escape itself still reaches the shell; the hint in the toolbar says so.
 */
function focusEscape(): (ev: KeyboardEvent) => boolean {
  let escapedAt = 0;
  return (ev) => {
    if (ev.type !== "keydown") return true;
    if (ev.key === "Escape") {
      escapedAt = ev.timeStamp;
      return true;
    }
    if (ev.key === "Tab" && !ev.ctrlKey && !ev.altKey && !ev.metaKey && ev.timeStamp - escapedAt < 1000) {
      escapedAt = 0;
      return false;
    }
    if (ev.key !== "Shift") escapedAt = 0;
    return true;
  };
}

interface Handles {
  term: XTerm;
  fit: () => void;
  conn: TerminalConnection;
}

const INITIAL: ConnectionStatus = { state: "connecting", reason: null, role: null };

/** `takeover`: an instructor writing to a learner's shell while the learner's consent stands. */
export function Terminal({
  workspaceId,
  observe = false,
  takeover = false,
  term: shellNo = 0,
}: {
  workspaceId: string;
  observe?: boolean;
  takeover?: boolean;
  /** The workspace's shell number (a terminal tab). */ term?: number;
}) {
  const hostRef = useRef<HTMLDivElement>(null);
  const handles = useRef<Handles | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>(INITIAL);
  const [fontSize, setFontSize] = useState(initialFontSize);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let disposed = false;
    let role: TerminalRole | null = null;
    let focused = false;
    const term = new XTerm({
      fontSize: initialFontSize(),
      fontFamily: 'ui-monospace, "SFMono-Regular", "Cascadia Mono", Menlo, Consolas, monospace',
      theme: resolvedTheme() === "dark" ? DARK : LIGHT,
      // Programs pick colour pairs for a dark terminal (vitest's RUN badge: bold black on
      // cyan, drawn bright: 1.5:1 in the light theme); xterm shifts a foreground to reach WCAG AA.
      minimumContrastRatio: 4.5,
      cursorBlink: true,
      scrollback: 5000,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon(openLink));
    const clipboard = clipboardKeys(term);
    const escape = focusEscape();
    term.attachCustomKeyEventHandler((ev) => escape(ev) && clipboard(ev));
    term.open(host);
    term.textarea?.setAttribute("aria-describedby", "terminal-keys-hint");

    // Observers see the session at the owner's size: only owners fit the terminal to the panel.
    const safeFit = () => {
      if (disposed || role === "observer" || host.clientWidth === 0 || host.clientHeight === 0) return;
      try {
        fit.fit();
      } catch {
        /* renderer not ready yet */
      }
    };
    safeFit();

    const sink: TerminalSink = {
      ready(msg) {
        role = msg.role;
        term.options.disableStdin = msg.role !== "owner";
        // Take the session's size first so its screen is restored exactly; an owner fits after.
        if (term.cols !== msg.cols || term.rows !== msg.rows) term.resize(Math.max(2, msg.cols), Math.max(1, msg.rows));
      },
      screen(data) {
        term.reset();
        term.write(RIS + data, () => {
          if (disposed) return;
          safeFit();
          conn.resize(term.cols, term.rows);
        });
      },
      output(data, rendered) {
        term.write(data, rendered);
      },
      serverError(message) {
        term.write(`\r\n\x1b[31m${printable(message)}\x1b[0m\r\n`);
      },
    };

    const conn = new TerminalConnection(terminalUrl(window.location, workspaceId, observe, takeover, shellNo), sink, {
      onStatus: (s) => {
        if (disposed) return;
        setStatus(s);
        if (s.state === "connected" && !focused) {
          focused = true;
          term.focus();
        }
        if ((s.state === "ended" || s.state === "error") && s.reason && !s.limit) {
          term.write(`\r\n\x1b[${s.state === "error" ? "31" : "2"}m[${printable(s.reason)}]\x1b[0m\r\n`);
        }
      },
    });
    handles.current = { term, fit: safeFit, conn };

    const onData = term.onData((data) => conn.sendInput(data));
    const onBinary = term.onBinary((data) => conn.sendInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    const onResize = term.onResize(({ cols, rows }) => conn.resize(cols, rows));

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(safeFit);
    });
    observer.observe(host);

    // The terminal follows the page's theme: the toggle, or the system when that is the choice.
    const stopTheme = subscribeTheme(() => {
      term.options.theme = resolvedTheme() === "dark" ? DARK : LIGHT;
    });
    const onOnline = () => conn.retryNow();
    window.addEventListener("online", onOnline);

    conn.start();

    return () => {
      disposed = true;
      conn.dispose();
      cancelAnimationFrame(frame);
      observer.disconnect();
      stopTheme();
      window.removeEventListener("online", onOnline);
      onData.dispose();
      onBinary.dispose();
      onResize.dispose();
      term.dispose();
      handles.current = null;
    };
  }, [workspaceId, observe, takeover, shellNo]);

  useEffect(() => {
    localStorage.setItem(FONT_KEY, String(fontSize));
    const h = handles.current;
    if (!h || h.term.options.fontSize === fontSize) return;
    h.term.options.fontSize = fontSize;
    h.fit();
  }, [fontSize]);

  const { state, reason, role } = status;
  const over = state === "ended" || state === "error";
  return (
    <section className="terminal-panel" aria-label="Terminal">
      <div className="terminal-toolbar">
        <span className={`badge term-${state}`} data-testid="terminal-status" role="status">
          {state}
        </span>
        {role === "observer" && (
          <span
            className="badge term-readonly"
            data-testid="terminal-readonly"
            title="You are watching this session; your keys are not sent."
          >
            read-only
          </span>
        )}
        {reason && state !== "connected" && !status.limit && (
          <span className="muted term-reason" data-testid="terminal-reason" title={reason}>
            {reason}
          </span>
        )}
        {over && !status.limit && (
          <button
            type="button"
            className="btn btn-small btn-primary"
            data-testid="terminal-restart"
            onClick={() => handles.current?.conn.restart()}
          >
            {state === "ended" ? "New shell" : "Reconnect"}
          </button>
        )}
        <span className="spacer" />
        <span className="muted term-hint" id="terminal-keys-hint">
          <kbd>Esc</kbd> <kbd>Tab</kbd> leaves the terminal
        </span>
        <button
          type="button"
          className="btn btn-small"
          aria-label="Decrease font size"
          disabled={fontSize <= MIN_FONT}
          onClick={() => setFontSize((s) => Math.max(MIN_FONT, s - 1))}
        >
          A-
        </button>
        <span className="muted font-size">{fontSize}px</span>
        <button
          type="button"
          className="btn btn-small"
          aria-label="Increase font size"
          disabled={fontSize >= MAX_FONT}
          onClick={() => setFontSize((s) => Math.min(MAX_FONT, s + 1))}
        >
          A+
        </button>
      </div>
      {status.limit && state === "ended" && (
        <div className="term-limit" role="alert" data-testid="terminal-limit">
          <p>{reason}</p>
          {status.limit.length > 0 && (
            <p>
              Live now:{" "}
              {status.limit.map((l, i) => (
                <span key={l.exercise}>
                  {i > 0 && ", "}
                  <Link href={`/exercises/${encodeURIComponent(l.exercise)}`}>{l.title}</Link>
                </span>
              ))}
              .
            </p>
          )}
          <p>
            <button
              type="button"
              className="btn btn-small btn-primary"
              data-testid="terminal-continue-here"
              onClick={() => handles.current?.conn.restart({ evictOldest: true })}
            >
              Continue here{status.limit[0] ? ` (stops “${status.limit[0].title}”)` : ""}
            </button>
          </p>
        </div>
      )}
      <div className="terminal-host" data-testid="terminal" ref={hostRef} />
    </section>
  );
}
