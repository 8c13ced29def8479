import { useEffect, useRef, useState } from "react";
import type { MergeView } from "@codemirror/merge";
import { EditorView } from "@codemirror/view";
import { baseExtensions, languageFor } from "./setup.ts";

export interface DiffViewProps {
  path: string;
  /** Left side. */
  mine: string;
  mineLabel: string;
  /** Right side, read-only. */
  theirs: string;
  theirsLabel: string;
  /** When set, the left side is editable and chunks can be copied from the right into it. */
  onMerged?: (merged: string) => void;
  testId?: string;
}

/**
 * Two documents side by side with their differences marked (@codemirror/merge, loaded on
 * first use). Used for the reference solution against the learner's file, and for a save
 * conflict: the learner's buffer against what the terminal wrote, where chunks of theirs can
 * be taken into mine before saving.
 */
export function DiffView({ path, mine, mineLabel, theirs, theirsLabel, onMerged, testId }: DiffViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<MergeView | null>(null);
  const [changes, setChanges] = useState<number | null>(null);
  const editable = !!onMerged;

  useEffect(() => {
    let cancelled = false;
    void Promise.all([import("@codemirror/merge"), languageFor(path)]).then(([{ MergeView }, lang]) => {
      if (cancelled || !host.current) return;
      const merge = new MergeView({
        a: {
          doc: mine,
          extensions: [
            baseExtensions({ readOnly: !editable }),
            lang,
            EditorView.contentAttributes.of({ "aria-label": `${mineLabel}: ${path}` }),
          ],
        },
        b: {
          doc: theirs,
          extensions: [
            baseExtensions({ readOnly: true }),
            lang,
            EditorView.contentAttributes.of({ "aria-label": `${theirsLabel}: ${path}` }),
          ],
        },
        parent: host.current,
        revertControls: editable ? "b-to-a" : undefined,
        collapseUnchanged: editable ? undefined : { margin: 3, minSize: 6 },
        gutter: true,
      });
      view.current = merge;
      setChanges(merge.chunks.length);
    });
    return () => {
      cancelled = true;
      view.current?.destroy();
      view.current = null;
    };
  }, [path, mine, theirs, editable, mineLabel, theirsLabel]);

  return (
    <div className="diff-view" data-testid={testId ?? "diff-view"}>
      <div className="diff-labels" aria-hidden="true">
        <span>{mineLabel}</span>
        <span>{theirsLabel}</span>
      </div>
      <p className="visually-hidden" role="status">
        {changes === null
          ? "Comparing…"
          : changes === 0
            ? "No differences."
            : `${changes} changed ${changes === 1 ? "block" : "blocks"}.`}
      </p>
      {changes === 0 && (
        <p className="diff-same muted" data-testid="diff-same">
          The two versions are identical.
        </p>
      )}
      <div className="diff-host" ref={host} data-changes={changes ?? undefined} />
      {onMerged && (
        <div className="diff-actions">
          <button
            type="button"
            className="btn btn-primary btn-small"
            data-testid="use-merged"
            onClick={() => view.current && onMerged(view.current.a.state.doc.toString())}
          >
            Use the left side (then save)
          </button>
          <span className="muted">Use the arrows to take blocks from the right into yours.</span>
        </div>
      )}
    </div>
  );
}
