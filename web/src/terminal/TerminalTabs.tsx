import { useEffect, useState } from "react";
import { Terminal } from "./Terminal.tsx";
import { MAX_TERMINALS } from "./protocol.ts";

const keyOf = (ws: string) => `backlab.terminals.${ws}`;

/** The shells this browser had open in the workspace (so a reload reattaches to each). */
function storedTerms(ws: string): number[] {
  try {
    const v = JSON.parse(localStorage.getItem(keyOf(ws)) ?? "[0]") as unknown;
    const terms = Array.isArray(v)
      ? v.filter((n): n is number => Number.isInteger(n) && n >= 0 && n < MAX_TERMINALS)
      : [];
    return terms.includes(0) ? [...new Set(terms)].sort() : [0, ...new Set(terms)].sort();
  } catch {
    return [0];
  }
}

/**
 * Terminal tabs: each its own shell in the workspace's one sandbox ("start the service in one
 * terminal, attack it from another"), each reattached on reload and recorded. Every tab stays
 * mounted (attached) while hidden; closing a tab detaches it, and the lab ends the shell when
 * it has been idle. The first tab is always there.
 */
export function TerminalTabs({ workspaceId }: { workspaceId: string }) {
  const [terms, setTerms] = useState<number[]>(() => storedTerms(workspaceId));
  const [active, setActive] = useState<number>(0);

  useEffect(() => {
    localStorage.setItem(keyOf(workspaceId), JSON.stringify(terms));
  }, [workspaceId, terms]);

  const add = () => {
    const free = Array.from({ length: MAX_TERMINALS }, (_, i) => i).find((i) => !terms.includes(i));
    if (free === undefined) return;
    setTerms([...terms, free].sort());
    setActive(free);
  };
  const close = (t: number) => {
    const rest = terms.filter((x) => x !== t);
    setTerms(rest);
    if (active === t) setActive(rest[rest.length - 1] ?? 0);
  };

  return (
    <div className="terminal-tabs">
      <div className="terminal-tabstrip" role="tablist" aria-label="Terminals">
        {terms.map((t) => (
          <span key={t} className={`terminal-tab${t === active ? " active" : ""}`}>
            <button
              type="button"
              role="tab"
              aria-selected={t === active}
              data-testid="terminal-tab"
              data-term={t}
              onClick={() => setActive(t)}
            >
              Terminal {t + 1}
            </button>
            {t !== 0 && (
              <button
                type="button"
                className="terminal-tab-close"
                aria-label={`Close terminal ${t + 1}`}
                data-testid="terminal-tab-close"
                onClick={() => close(t)}
              >
                ×
              </button>
            )}
          </span>
        ))}
        {terms.length < MAX_TERMINALS && (
          <button
            type="button"
            className="btn btn-small terminal-tab-add"
            data-testid="terminal-add"
            aria-label="New terminal"
            title="A new shell in the same sandbox"
            onClick={add}
          >
            +
          </button>
        )}
      </div>
      {terms.map((t) => (
        <div
          key={t}
          className="terminal-tabpanel"
          role="tabpanel"
          hidden={t !== active}
          data-testid="terminal-pane"
          data-term={t}
        >
          <Terminal workspaceId={workspaceId} term={t} />
        </div>
      ))}
    </div>
  );
}
