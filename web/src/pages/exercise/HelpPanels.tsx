import { useEffect, useState } from "react";
import Markdown from "react-markdown";
import { ApiError, errorMessage } from "../../api.ts";
import { filesApi, type HintState, type SolutionFile } from "../../workspace/filesApi.ts";

/** Hints, revealed one at a time on request; each reveal is recorded on the server. */
export function HintsPanel({
  exerciseId,
  hints,
  onChange,
}: {
  exerciseId: string;
  hints: HintState | null;
  onChange: (h: HintState) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!hints) return <p className="loading muted">Loading hints…</p>;
  if (hints.total === 0) return <p className="muted">This exercise has no hints.</p>;
  const next = hints.revealed.length;

  async function reveal() {
    setBusy(true);
    setError(null);
    try {
      const { hint } = await filesApi.revealHint(exerciseId, next);
      if (!hints) return;
      onChange({
        ...hints,
        revealed: [...hints.revealed.filter((h) => h.index !== hint.index), hint].sort((a, b) => a.index - b.index),
      });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="hints" data-testid="hints">
      <p className="muted">Try on your own first; each hint you open is noted with your progress.</p>
      <ol className="hint-list">
        {hints.revealed.map((h) => (
          <li key={h.index} className="hint" data-testid="hint">
            <div className="markdown">
              {/* react-markdown renders no raw HTML: a hint's markup is shown, never run. */}
              <Markdown>{h.text}</Markdown>
            </div>
          </li>
        ))}
      </ol>
      {next < hints.total ? (
        <button type="button" className="btn" data-testid="reveal-hint" disabled={busy} onClick={() => void reveal()}>
          Show hint {next + 1} of {hints.total}
        </button>
      ) : (
        <p className="muted">All {hints.total} hints are shown.</p>
      )}
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
    </div>
  );
}

type Sameness = "same" | "differs" | "missing";

const SAMENESS: Record<Sameness, string> = {
  same: "same as yours",
  differs: "differs from yours",
  missing: "not in your workspace",
};

/** Whether each reference file matches the learner's saved file. */
function useSameness(workspaceId: string | null, files: SolutionFile[] | null): Record<string, Sameness> {
  const [marks, setMarks] = useState<Record<string, Sameness>>({});
  useEffect(() => {
    if (!workspaceId || !files) return;
    let cancelled = false;
    void Promise.all(
      files.map(async (f): Promise<[string, Sameness]> => {
        try {
          const mine = await filesApi.read(workspaceId, f.path);
          return [f.path, mine?.content === f.content ? "same" : "differs"];
        } catch (err) {
          return [f.path, err instanceof ApiError && err.status === 404 ? "missing" : "differs"];
        }
      }),
    ).then((pairs) => !cancelled && setMarks(Object.fromEntries(pairs)));
    return () => {
      cancelled = true;
    };
  }, [workspaceId, files]);
  return marks;
}

/**
 * The reference solution's files once a submission passed, each marked as the same as or
 * different from the learner's saved file; each opens as a diff against the learner's.
 */
export function SolutionPanel({
  unlocked,
  files,
  error,
  onCompare,
  workspaceId = null,
}: {
  unlocked: boolean;
  files: SolutionFile[] | null;
  error: string | null;
  onCompare: (f: SolutionFile) => void;
  /** The learner's workspace, to mark which files differ. */
  workspaceId?: string | null;
}) {
  const marks = useSameness(workspaceId, files);
  if (!unlocked) {
    return (
      <p className="muted" data-testid="solution-locked">
        The reference solution unlocks once one of your submissions passes.
      </p>
    );
  }
  if (error)
    return (
      <p role="alert" className="alert">
        {error}
      </p>
    );
  if (!files) return <p className="loading muted">Loading the solution…</p>;
  const differ = files.filter((f) => marks[f.path] && marks[f.path] !== "same").length;
  return (
    <div data-testid="solution">
      <p className="muted">
        Compare the reference with your code, file by file
        {Object.keys(marks).length === files.length
          ? ` (${differ} of ${files.length} ${files.length === 1 ? "differs" : "differ"} from your saved files)`
          : ""}
        :
      </p>
      <ul className="solution-files">
        {files.map((f) => (
          <li key={f.path} data-sameness={marks[f.path]}>
            <button
              type="button"
              className="linklike"
              data-testid="solution-file"
              data-path={f.path}
              data-sameness={marks[f.path]}
              onClick={() => onCompare(f)}
            >
              {f.path}
            </button>
            {marks[f.path] && (
              <span className={`badge sameness sameness-${marks[f.path]}`} data-testid="solution-sameness">
                {SAMENESS[marks[f.path]!]}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
