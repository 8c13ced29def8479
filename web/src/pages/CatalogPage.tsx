import { useEffect, useState } from "react";
import { api, errorMessage, type Area, type ExerciseSummary } from "../api.ts";
import { Link } from "../components/Link.tsx";

interface Catalog {
  areas: Area[];
  exercises: ExerciseSummary[];
}

function groupByArea({ areas, exercises }: Catalog): { area: Area; items: ExerciseSummary[] }[] {
  const known = new Set(areas.map((a) => a.id));
  const groups = areas.map((area) => ({ area, items: exercises.filter((e) => e.area === area.id) }));
  const other = exercises.filter((e) => !known.has(e.area));
  if (other.length) groups.push({ area: { id: "other", title: "Other" }, items: other });
  return groups.filter((g) => g.items.length > 0);
}

export function CatalogPage() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.exercises().then(
      (c) => {
        if (!cancelled) setCatalog(c);
      },
      (err: unknown) => {
        if (!cancelled) setError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <main className="page">
      <h1>Exercises</h1>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {!catalog && !error && <p className="loading">Loading exercises…</p>}
      {catalog && catalog.exercises.length === 0 && <p>No exercises are installed yet.</p>}
      {catalog &&
        groupByArea(catalog).map(({ area, items }) => (
          <section key={area.id} className="area" aria-labelledby={`area-${area.id}`}>
            <h2 id={`area-${area.id}`}>{area.title}</h2>
            <ul className="cards">
              {items.map((ex) => (
                <li key={ex.id}>
                  <ExerciseCard ex={ex} />
                </li>
              ))}
            </ul>
          </section>
        ))}
    </main>
  );
}

function ExerciseCard({ ex }: { ex: ExerciseSummary }) {
  const done = ex.best !== null && ex.best.score >= ex.best.maxScore;
  return (
    <Link className="card exercise-card" data-testid={`exercise-link-${ex.id}`} href={`/exercises/${ex.id}`}>
      <h3>{ex.title}</h3>
      <p className="meta">
        <span className={`badge difficulty difficulty-${ex.difficulty}`}>{ex.difficulty}</span>
        <span>~{ex.estimatedMinutes} min</span>
        <span>{ex.maxScore} pts</span>
      </p>
      <p className="summary">{ex.summary}</p>
      <p className={`best${done ? " best-done" : ""}`} data-testid="best-score">
        {ex.best ? `Best: ${ex.best.score} / ${ex.best.maxScore}` : "Not attempted yet"}
      </p>
    </Link>
  );
}
