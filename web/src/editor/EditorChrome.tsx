import type { BufferState, Conflict } from "./buffers.ts";

/** The open files as tabs (a dot marks unsaved edits), with the Save button. */
export function EditorTabs(props: {
  tabs: readonly string[];
  active: string | null;
  buffers: Readonly<Record<string, BufferState>>;
  onSelect: (path: string) => void;
  onClose: (path: string) => void;
  onSave: (path: string) => void;
}) {
  const { tabs, active, buffers } = props;
  const buf = active ? buffers[active] : undefined;
  return (
    <div className="ws-tabbar">
      <div role="tablist" aria-label="Open files" className="ws-tabs">
        {tabs.map((p) => (
          <span key={p} role="presentation" className={`ws-tab${p === active ? " ws-tab-active" : ""}`}>
            <button
              type="button"
              role="tab"
              aria-selected={p === active}
              data-testid="editor-tab"
              data-path={p}
              title={p}
              onClick={() => props.onSelect(p)}
            >
              <span className="ws-tab-name">{p.slice(p.lastIndexOf("/") + 1)}</span>
              {buffers[p]?.dirty && (
                <span className="dirty-dot" aria-label="unsaved changes">
                  {" "}
                  ●
                </span>
              )}
            </button>
            <button type="button" className="ws-tab-close" aria-label={`Close ${p}`} onClick={() => props.onClose(p)}>
              ×
            </button>
          </span>
        ))}
      </div>
      <span className="spacer" />
      {active && (
        <span className="muted term-hint">
          <kbd>Esc</kbd> <kbd>Tab</kbd> leaves the editor
        </span>
      )}
      {active && (
        <button
          type="button"
          className="btn btn-small"
          data-testid="save"
          disabled={!buf || buf.saving || !!buf.conflict || (!buf.dirty && !buf.deleted)}
          onClick={() => props.onSave(active)}
          title="Save (Ctrl-S / ⌘-S)"
        >
          {buf?.saving ? "Saving…" : "Save"}
        </button>
      )}
    </div>
  );
}

/** The choice a conflict needs: the file changed (or went) on disk while the buffer has unsaved edits. */
export function ConflictBanner(props: {
  path: string;
  conflict: Conflict;
  showingDiff: boolean;
  onKeepMine: () => void;
  onLoadTheirs: () => void;
  onToggleDiff: () => void;
}) {
  const { path, conflict, showingDiff } = props;
  return (
    <div className="ws-conflict" role="alert" data-testid="conflict">
      <p>
        <strong>{path}</strong>{" "}
        {conflict.kind === "changed" ? "changed on disk (in the terminal?)" : "was deleted on disk"} while you have
        unsaved edits.
      </p>
      <div className="ws-conflict-actions">
        <button type="button" className="btn btn-small btn-primary" data-testid="keep-mine" onClick={props.onKeepMine}>
          Keep mine (overwrite)
        </button>
        <button type="button" className="btn btn-small" data-testid="load-theirs" onClick={props.onLoadTheirs}>
          {conflict.kind === "changed" ? "Load theirs" : "Close the file"}
        </button>
        {conflict.kind === "changed" && (
          <button
            type="button"
            className="btn btn-small"
            data-testid="view-diff"
            aria-pressed={showingDiff}
            onClick={props.onToggleDiff}
          >
            {showingDiff ? "Hide the diff" : "View diff"}
          </button>
        )}
      </div>
    </div>
  );
}
