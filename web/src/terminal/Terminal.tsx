import { useEffect, useRef, useState } from "react";
import { Terminal as XTerm, type ITheme } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";
import {
  encodeClientMessage,
  encodeInput,
  parseServerMessage,
  terminalUrl,
  type ClientMessage,
  type TerminalStatus,
} from "./protocol.ts";

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
const PING_MS = 25_000;

function initialFontSize(): number {
  const v = Number(localStorage.getItem(FONT_KEY));
  return Number.isFinite(v) && v >= MIN_FONT && v <= MAX_FONT ? v : 14;
}

interface Handles {
  term: XTerm;
  fit: FitAddon;
}

export function Terminal({ workspaceId }: { workspaceId: string }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const handles = useRef<Handles | null>(null);
  const [status, setStatus] = useState<TerminalStatus>("connecting");
  const [fontSize, setFontSize] = useState(initialFontSize);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    let disposed = false;
    const dark = window.matchMedia("(prefers-color-scheme: dark)");
    const term = new XTerm({
      fontSize: initialFontSize(),
      fontFamily: 'ui-monospace, "SFMono-Regular", "Cascadia Mono", Menlo, Consolas, monospace',
      theme: dark.matches ? DARK : LIGHT,
      cursorBlink: true,
      scrollback: 5000,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    handles.current = { term, fit };

    const ws = new WebSocket(terminalUrl(window.location, workspaceId));
    ws.binaryType = "arraybuffer";
    let finalStatus: TerminalStatus | null = null;
    const finish = (s: TerminalStatus) => {
      if (finalStatus) return;
      finalStatus = s;
      setStatus(s);
    };
    const send = (msg: ClientMessage) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encodeClientMessage(msg));
    };
    const sendResize = () => send({ type: "resize", cols: term.cols, rows: term.rows });
    const safeFit = () => {
      if (disposed || host.clientWidth === 0 || host.clientHeight === 0) return;
      try {
        fit.fit();
      } catch {
        /* renderer not ready yet */
      }
    };

    ws.onopen = () => {
      if (disposed) return;
      setStatus("connected");
      safeFit();
      sendResize();
      term.focus();
    };
    ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
      if (disposed) return;
      if (typeof ev.data !== "string") {
        term.write(new Uint8Array(ev.data));
        return;
      }
      const msg = parseServerMessage(ev.data);
      if (!msg) return;
      if (msg.type === "ready") {
        setStatus("connected");
        sendResize();
      } else if (msg.type === "exit") {
        term.write(`\r\n\x1b[2m[session ended${msg.code === null ? "" : ` with code ${msg.code}`}]\x1b[0m\r\n`);
        finalStatus = "ended"; // an exit is definitive, even after an error message
        setStatus("ended");
      } else if (msg.type === "error") {
        term.write(`\r\n\x1b[31m${msg.message}\x1b[0m\r\n`);
        finish("error");
      }
    };
    ws.onerror = () => {
      if (disposed) return;
      term.write("\r\n\x1b[31mTerminal connection error.\x1b[0m\r\n");
      finish("error");
    };
    ws.onclose = () => {
      if (disposed) return;
      finish("ended");
    };

    const onData = term.onData((data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encodeInput(data));
    });
    const onBinary = term.onBinary((data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff));
    });
    const onResize = term.onResize(sendResize);

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(safeFit);
    });
    observer.observe(host);

    const onScheme = () => {
      term.options.theme = dark.matches ? DARK : LIGHT;
    };
    dark.addEventListener("change", onScheme);

    const ping = window.setInterval(() => send({ type: "ping", t: Date.now() }), PING_MS);

    return () => {
      disposed = true;
      window.clearInterval(ping);
      cancelAnimationFrame(frame);
      observer.disconnect();
      dark.removeEventListener("change", onScheme);
      onData.dispose();
      onBinary.dispose();
      onResize.dispose();
      ws.close();
      term.dispose();
      handles.current = null;
    };
  }, [workspaceId]);

  useEffect(() => {
    localStorage.setItem(FONT_KEY, String(fontSize));
    const h = handles.current;
    if (!h || h.term.options.fontSize === fontSize) return;
    h.term.options.fontSize = fontSize;
    try {
      h.fit.fit();
    } catch {
      /* not visible */
    }
  }, [fontSize]);

  return (
    <section className="terminal-panel" aria-label="Terminal">
      <div className="terminal-toolbar">
        <span className={`badge term-${status}`} data-testid="terminal-status" role="status">
          {status}
        </span>
        <span className="spacer" />
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
      <div className="terminal-host" data-testid="terminal" ref={hostRef} />
    </section>
  );
}
