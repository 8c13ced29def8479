import { useEffect, useState } from "react";
import { currentPhase, finishedLine, headline, type Progress } from "./progress.ts";

/**
 * A submission being graded, in the results panel: its place in the queue, then each step
 * with its tests and the phase it is in. The box has one fixed height whatever happens in
 * it, so nothing around it moves while the events come in.
 */
export function GradingProgress({ progress }: { progress: Progress }) {
  const [since] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, []);
  const phase = currentPhase(progress);
  const finished = finishedLine(progress);
  return (
    <section className="grading" data-testid="grading-progress" data-status={progress.status} aria-label="Grading">
      <div className="grading-head">
        <span className="spinner" aria-hidden="true" />
        <strong data-testid="grading-state">{headline(progress)}</strong>
        <span className="spacer" />
        <span className="muted grading-clock">{Math.max(0, Math.round((now - since) / 1000))} s</span>
      </div>
      <ol className="grading-steps" data-testid="grading-steps">
        {progress.steps.map((s) => (
          <li key={s.index} data-testid="grading-step" data-state={s.state}>
            <span className="grading-mark" aria-hidden="true">
              {s.state === "done" ? "✓" : "●"}
            </span>
            <span className="grading-name">{s.name}</span>
            <span className="muted">
              {s.state === "done"
                ? ` — ${s.passed}/${s.done} passed`
                : `${s.done ? ` — ${s.done} done (${s.passed} ✓)` : ""}${phase ? ` · ${phase}` : ""}`}
            </span>
          </li>
        ))}
        {progress.status !== "running" && (
          <li className="muted grading-note">
            {progress.status === "posting"
              ? "Your saved files are being sent."
              : "Your files are safe in the queue; this page follows them when a grader is free."}
          </li>
        )}
      </ol>
      <p className="grading-phases muted" data-testid="grading-phases" title={finished}>
        {finished ? `Done so far: ${finished}` : "\u00a0"}
      </p>
    </section>
  );
}
