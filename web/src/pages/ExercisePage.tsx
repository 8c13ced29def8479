import { lazy, Suspense, useEffect, useState, type CSSProperties } from "react";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import { api, errorMessage, type Exercise } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { Splitter } from "../components/Splitter.tsx";
import type { UnsavedFile } from "../editor/buffers.ts";
import type { CompareRequest } from "../editor/WorkspaceEditor.tsx";
import { TerminalTabs } from "../terminal/TerminalTabs.tsx";
import { filesApi, type HintState, type SolutionFile } from "../workspace/filesApi.ts";
import { HintsPanel, SolutionPanel } from "./exercise/HelpPanels.tsx";
import { useLayout, useStoredFlag } from "./exercise/layout.ts";
import { ResultsPanel } from "./exercise/ResultsPanel.tsx";
import { StartOver } from "./exercise/StartOver.tsx";
import { useSubmission } from "./exercise/useSubmission.ts";
import "./exercise/exercise.css";

// CodeMirror is the page's largest part: it loads after the instructions and the terminal.
const WorkspaceEditor = lazy(() => import("../editor/WorkspaceEditor.tsx"));

type SideTab = "instructions" | "hints" | "solution";
const SIDE_COLLAPSED_KEY = "backlab.layout.exercise.sideCollapsed";

export function ExercisePage({ id }: { id: string }) {
  const [exercise, setExercise] = useState<Exercise | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const [workspaceError, setWorkspaceError] = useState<string | null>(null);
  const [resultsExpanded, setResultsExpanded] = useState(false);
  const [collapsed, setCollapsed] = useStoredFlag(SIDE_COLLAPSED_KEY);
  const [side, setSide] = useState<SideTab>("instructions");
  const [hints, setHints] = useState<HintState | null>(null);
  const [solution, setSolution] = useState<SolutionFile[] | null>(null);
  const [solutionError, setSolutionError] = useState<string | null>(null);
  const [compare, setCompare] = useState<CompareRequest | null>(null);
  const [unsaved, setUnsaved] = useState<UnsavedFile[]>([]);
  const [layout, setLayout] = useLayout();
  const submission = useSubmission(id);

  useEffect(() => {
    let cancelled = false;
    api.exercise(id).then(
      ({ exercise }) => !cancelled && setExercise(exercise),
      (err: unknown) => !cancelled && setLoadError(errorMessage(err)),
    );
    api.openWorkspace(id).then(
      ({ workspace }) => !cancelled && setWorkspaceId(String(workspace.id)),
      (err: unknown) => !cancelled && setWorkspaceError(errorMessage(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [id]);

  // Hints and whether the solution is unlocked; asked again when a result comes in.
  const shown = submission.shown;
  useEffect(() => {
    let cancelled = false;
    filesApi.hints(id).then(
      (h) => !cancelled && setHints(h),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [id, shown]);

  const unlocked = hints?.solutionUnlocked ?? false;
  useEffect(() => {
    if (!unlocked || side !== "solution" || solution) return;
    let cancelled = false;
    filesApi.solution(id).then(
      ({ files }) => !cancelled && setSolution(files),
      (err: unknown) => !cancelled && setSolutionError(errorMessage(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [id, unlocked, side, solution]);

  if (loadError) {
    return (
      <main className="page">
        <p role="alert" className="alert">
          {loadError}
        </p>
        <p>
          <Link href="/">Back to the catalog</Link>
        </p>
      </main>
    );
  }

  const grid = (cols: string) => ({ "--cols": cols }) as CSSProperties;
  const revealed = hints ? `${hints.revealed.length}/${hints.total}` : "";
  return (
    <main
      className={`ex${collapsed ? " ex-collapsed" : ""}`}
      data-testid="exercise-page"
      style={grid(
        collapsed ? "2.5rem 0 minmax(0, 1fr)" : `minmax(260px, ${layout.side}fr) 6px minmax(0, ${1 - layout.side}fr)`,
      )}
    >
      {collapsed && (
        <button
          type="button"
          className="ex-rail"
          data-testid="side-expand"
          aria-expanded={false}
          aria-controls="exercise-side"
          title="Show the instructions"
          onClick={() => setCollapsed(false)}
        >
          <span aria-hidden="true">»</span>
          <span className="ex-rail-label">Instructions</span>
        </button>
      )}
      <aside className="panel ex-side" id="exercise-side" aria-labelledby="exercise-title" hidden={collapsed}>
        <p className="crumbs">
          <Link href="/">← All exercises</Link>
          <button
            type="button"
            className="btn btn-small side-collapse"
            data-testid="side-collapse"
            aria-expanded={true}
            aria-controls="exercise-side"
            title="Hide the instructions: the editor, terminal and results get the width"
            onClick={() => setCollapsed(true)}
          >
            « Hide
          </button>
        </p>
        {exercise ? (
          <>
            <h1 id="exercise-title">{exercise.title}</h1>
            <p className="meta">
              <span className={`badge difficulty difficulty-${exercise.difficulty}`}>{exercise.difficulty}</span>
              <span>~{exercise.estimatedMinutes} min</span>
              <span>{exercise.maxScore} pts</span>
              {workspaceId && <StartOver workspaceId={workspaceId} />}
            </p>
          </>
        ) : (
          <p className="loading" id="exercise-title">
            Loading exercise…
          </p>
        )}
        <div className="tabs side-tabs" role="tablist" aria-label="Instructions, hints and solution">
          {(["instructions", "hints", "solution"] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`side-tab-${t}`}
              className="tab"
              data-testid={`side-tab-${t}`}
              aria-selected={side === t}
              aria-controls="side-panel"
              onClick={() => setSide(t)}
            >
              {t === "instructions"
                ? "Instructions"
                : t === "hints"
                  ? `Hints ${revealed}`
                  : unlocked
                    ? "Solution"
                    : "Solution (locked)"}
            </button>
          ))}
        </div>
        <div role="tabpanel" id="side-panel" aria-labelledby={`side-tab-${side}`} className="side-panel">
          {side === "instructions" ? (
            exercise && (
              <div className="markdown" data-testid="instructions">
                {/* No rehype-raw: HTML in an exercise README is shown as text, never rendered. */}
                <Markdown remarkPlugins={[remarkGfm]}>{withoutTitle(exercise.readme)}</Markdown>
              </div>
            )
          ) : side === "hints" ? (
            <HintsPanel exerciseId={id} hints={hints} onChange={setHints} />
          ) : (
            <SolutionPanel
              unlocked={unlocked}
              files={solution}
              error={solutionError}
              workspaceId={workspaceId}
              onCompare={(f) => setCompare({ path: f.path, content: f.content, label: "Reference solution" })}
            />
          )}
        </div>
      </aside>
      {collapsed ? (
        <span />
      ) : (
        <Splitter
          orientation="vertical"
          value={layout.side}
          min={0.18}
          max={0.6}
          onChange={(v) => setLayout({ side: v })}
          label="Resize the instructions"
          testId="split-side"
        />
      )}
      <div
        className="ex-work"
        style={
          { "--rows": `minmax(140px, ${layout.editor}fr) 6px minmax(140px, ${1 - layout.editor}fr)` } as CSSProperties
        }
      >
        <div className="ex-editor-slot">
          {workspaceError ? (
            <p role="alert" className="alert">
              Could not open the workspace: {workspaceError}
            </p>
          ) : workspaceId ? (
            <Suspense fallback={<p className="loading muted ex-pad">Loading the editor…</p>}>
              <WorkspaceEditor
                workspaceId={workspaceId}
                treeShare={layout.tree}
                onTreeShare={(v) => setLayout({ tree: v })}
                compare={compare}
                onCloseCompare={() => setCompare(null)}
                onDirtyChange={setUnsaved}
              />
            </Suspense>
          ) : (
            <p className="loading muted ex-pad">Preparing workspace…</p>
          )}
        </div>
        <Splitter
          orientation="horizontal"
          value={layout.editor}
          min={0.2}
          max={0.8}
          onChange={(v) => setLayout({ editor: v })}
          label="Resize the editor and the terminal"
          testId="split-editor"
        />
        <div
          className="ex-bottom"
          style={grid(`minmax(220px, ${layout.terminal}fr) 6px minmax(220px, ${1 - layout.terminal}fr)`)}
        >
          <div className="ex-terminal-slot">
            {workspaceId ? (
              <TerminalTabs key={workspaceId} workspaceId={workspaceId} />
            ) : (
              <p className="loading terminal-placeholder">Preparing workspace…</p>
            )}
          </div>
          <Splitter
            orientation="vertical"
            value={layout.terminal}
            min={0.25}
            max={0.8}
            onChange={(v) => setLayout({ terminal: v })}
            label="Resize the terminal and the results"
            testId="split-terminal"
          />
          <ResultsPanel
            exerciseId={id}
            submission={submission}
            workspaceId={workspaceId}
            unsaved={unsaved}
            expanded={resultsExpanded}
            onExpand={setResultsExpanded}
            onSolution={() => setSide("solution")}
          />
        </div>
      </div>
    </main>
  );
}

/** The page already shows the title; drop the README's own leading `# Title`. */
function withoutTitle(markdown: string): string {
  return markdown.replace(/^\s*# [^\n]*\n/, "");
}
