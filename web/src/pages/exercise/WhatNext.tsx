import { useEffect, useState } from "react";
import { api, type ExerciseSummary } from "../../api.ts";
import { Link } from "../../components/Link.tsx";

/**
 * The exercise to suggest after a pass: the next one of the same area not passed yet, else
 * the next one of the catalog (in its learning order), skipping locked ones.
 */
export function nextExercise(exercises: ExerciseSummary[], currentId: string): ExerciseSummary | null {
  const i = exercises.findIndex((e) => e.id === currentId);
  const open = (e: ExerciseSummary) => e.id !== currentId && e.status !== "passed" && !e.locked;
  const after = [...exercises.slice(i + 1), ...exercises.slice(0, Math.max(0, i))];
  const area = exercises[i]?.area;
  return after.find((e) => open(e) && e.area === area) ?? after.find(open) ?? null;
}

/** After a pass: the reference solution to compare with, the next exercise, the progress page. */
export function WhatNext({ exerciseId, onSolution }: { exerciseId: string; onSolution: () => void }) {
  const [next, setNext] = useState<ExerciseSummary | null | undefined>(undefined);
  useEffect(() => {
    let cancelled = false;
    api.exercises().then(
      (c) => !cancelled && setNext(nextExercise(c.exercises, exerciseId)),
      () => !cancelled && setNext(null),
    );
    return () => {
      cancelled = true;
    };
  }, [exerciseId]);
  return (
    <section className="what-next" aria-labelledby="what-next-title" data-testid="what-next">
      <h3 id="what-next-title">Passed: what next?</h3>
      <ul>
        <li>
          <button type="button" className="linklike" data-testid="what-next-solution" onClick={onSolution}>
            Compare your code with the reference solution
          </button>{" "}
          (now unlocked).
        </li>
        {next && (
          <li>
            Next exercise:{" "}
            <Link href={`/exercises/${next.id}`} data-testid="what-next-exercise">
              {next.title}
            </Link>{" "}
            <span className="muted">
              ({next.difficulty}, ~{next.estimatedMinutes} min)
            </span>
          </li>
        )}
        {next === null && <li>Every exercise open to you is passed.</li>}
        <li>
          <Link href="/progress">Your progress</Link> by area.
        </li>
      </ul>
    </section>
  );
}
