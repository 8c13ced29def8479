import { useEffect, useState } from "react";
import { ResultsView } from "../../components/Results.tsx";
import { Recordings } from "../../recordings/Recordings.tsx";
import { GradingProgress } from "./GradingProgress.tsx";
import { headline } from "./progress.ts";
import type { UnsavedFile } from "../../editor/buffers.ts";
import { UnsavedWarning } from "./UnsavedWarning.tsx";
import { WhatNext } from "./WhatNext.tsx";
import type { useSubmission } from "./useSubmission.ts";

function formatWhen(iso?: string): string | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toLocaleString();
}

/**
 * Submit, the grading's progress and the results (or the workspace's recordings). Beside the
 * terminal it is narrow; "Full page" lets it take the whole page for long feedback.
 */
export function ResultsPanel({
  exerciseId,
  onSolution,
  submission,
  workspaceId,
  unsaved,
  expanded,
  onExpand,
}: {
  exerciseId: string;
  /** Opens the solution tab (a pass offers it as a next step). */
  onSolution: () => void;
  submission: ReturnType<typeof useSubmission>;
  workspaceId: string | null;
  unsaved: UnsavedFile[];
  expanded: boolean;
  onExpand: (v: boolean) => void;
}) {
  const [tab, setTab] = useState<"results" | "recordings">("results");
  useEffect(() => {
    if (!expanded) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onExpand(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [expanded, onExpand]);

  return (
    <div
      className={`panel results-panel${expanded ? " results-expanded" : ""}`}
      data-testid="results-panel"
      data-expanded={expanded}
    >
      <div className="submit-bar" data-testid="submit-bar">
        <button
          type="button"
          className="btn btn-primary submit-button"
          data-testid="submit"
          disabled={submission.busy}
          aria-busy={submission.busy}
          onClick={() => (setTab("results"), void submission.submit())}
        >
          {submission.label}
        </button>
        <span className="spacer" />
        <div className="tabs" role="tablist" aria-label="Results and recordings">
          <button
            type="button"
            role="tab"
            id="tab-results"
            className="tab"
            data-testid="tab-results"
            aria-selected={tab === "results"}
            aria-controls="tabpanel-work"
            onClick={() => setTab("results")}
          >
            Results
          </button>
          <button
            type="button"
            role="tab"
            id="tab-recordings"
            className="tab"
            data-testid="tab-recordings"
            aria-selected={tab === "recordings"}
            aria-controls="tabpanel-work"
            disabled={!workspaceId}
            onClick={() => setTab("recordings")}
          >
            Recordings
          </button>
        </div>
        <button
          type="button"
          className="btn btn-small results-expand"
          data-testid="results-expand"
          aria-pressed={expanded}
          aria-label={expanded ? "Back to the terminal" : "Results on the whole page"}
          title={expanded ? "Back to the terminal (Esc)" : "Results on the whole page"}
          onClick={() => onExpand(!expanded)}
        >
          {expanded ? "✕ Back" : "⤢"}
        </button>
      </div>
      {!submission.busy && <UnsavedWarning files={unsaved} />}
      <p className="visually-hidden" role="status" aria-live="polite">
        {submission.busy ? headline(submission.progress) : ""}
      </p>
      {submission.submitError && (
        <p role="alert" className="alert">
          {submission.submitError}
        </p>
      )}
      <div role="tabpanel" id="tabpanel-work" aria-labelledby={tab === "results" ? "tab-results" : "tab-recordings"}>
        {tab === "recordings" && workspaceId ? (
          <Recordings workspaceId={workspaceId} />
        ) : submission.busy ? (
          <GradingProgress progress={submission.progress} />
        ) : submission.shown ? (
          <>
            {submission.shown.result.status === "pass" && <WhatNext exerciseId={exerciseId} onSolution={onSolution} />}
            <ResultsView result={submission.shown.result} when={formatWhen(submission.shown.createdAt)} />
          </>
        ) : (
          <p className="muted">No submissions yet. Edit your code, run it in the terminal, then press Submit.</p>
        )}
      </div>
    </div>
  );
}
