import type { ExerciseStatus } from "../api.ts";

const LABELS: Record<ExerciseStatus, string> = {
  not_started: "Not started",
  in_progress: "In progress",
  passed: "Passed",
};

/** The learner's standing on an exercise, in words (colour is never the only cue). */
export function StatusBadge({ status }: { status: ExerciseStatus }) {
  return (
    <span className={`badge progress-status progress-${status}`} data-testid="exercise-status">
      {status === "passed" ? "✓ " : ""}
      {LABELS[status]}
    </span>
  );
}
