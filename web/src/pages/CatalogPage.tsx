import { useEffect, useId, useMemo, useState } from "react";
import { api, errorMessage, type Catalog, type ExerciseStatus, type ExerciseSummary } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { LearningPaths } from "./LearningPaths.tsx";
import { setSearch, useSearch } from "../router.ts";
import { matches, type Filters } from "./catalogSearch.ts";

const DIFFICULTIES = ["beginner", "intermediate", "advanced"] as const;
const STATUSES: { id: ExerciseStatus; label: string }[] = [
  { id: "not_started", label: "Not started" },
  { id: "in_progress", label: "In progress" },
  { id: "passed", label: "Passed" },
];

// The filters live in the URL query, so a reload, a shared link or Back keeps them.

function readFilters(search: string): Filters {
  const p = new URLSearchParams(search);
  return {
    area: p.get("area") ?? "",
    difficulty: p.get("difficulty") ?? "",
    status: p.get("status") ?? "",
    q: p.get("q") ?? "",
  };
}

function writeFilters(f: Filters): void {
  const p = new URLSearchParams();
  for (const key of ["area", "difficulty", "status", "q"] as const) if (f[key]) p.set(key, f[key]);
  setSearch(p);
}

export function CatalogPage() {
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [error, setError] = useState<string | null>(null);
  const search = useSearch();
  const filters = useMemo(() => readFilters(search), [search]);
  const ids = useId();

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

  const groups = useMemo(() => {
    if (!catalog) return [];
    return catalog.areas
      .map((area) => ({
        area,
        items: catalog.exercises.filter((e) => e.area === area.id && matches(e, filters, area.title)),
      }))
      .filter((g) => g.items.length > 0);
  }, [catalog, filters]);

  const set = (patch: Partial<Filters>) => writeFilters({ ...filters, ...patch });
  const shown = groups.reduce((n, g) => n + g.items.length, 0);
  const filtering = Boolean(filters.area || filters.difficulty || filters.status || filters.q);
  const passed = catalog?.exercises.filter((e) => e.status === "passed").length ?? 0;

  return (
    <main className="page catalog-page" id="main">
      <div className="page-head">
        <h1>Exercises</h1>
        {catalog && (
          <p className="muted" data-testid="catalog-summary">
            {catalog.exercises.length} exercises in {catalog.areas.length} areas · {passed} passed ·{" "}
            <Link href="/progress">Your progress</Link>
          </p>
        )}
      </div>
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {!catalog && !error && <p className="loading">Loading exercises…</p>}
      {catalog && catalog.exercises.length === 0 && <p>No exercises are installed yet.</p>}
      {catalog && catalog.exercises.length > 0 && (
        <>
          <form role="search" className="filters" aria-label="Filter exercises" onSubmit={(e) => e.preventDefault()}>
            <div className="field filter-search">
              <label htmlFor={`${ids}-q`}>Search</label>
              <input
                id={`${ids}-q`}
                type="search"
                value={filters.q}
                placeholder="title, topic…"
                onChange={(e) => set({ q: e.target.value })}
                data-testid="filter-q"
              />
            </div>
            <div className="field">
              <label htmlFor={`${ids}-area`}>Area</label>
              <select
                id={`${ids}-area`}
                value={filters.area}
                onChange={(e) => set({ area: e.target.value })}
                data-testid="filter-area"
              >
                <option value="">All areas</option>
                {catalog.areas.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.title}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${ids}-difficulty`}>Difficulty</label>
              <select
                id={`${ids}-difficulty`}
                value={filters.difficulty}
                onChange={(e) => set({ difficulty: e.target.value })}
                data-testid="filter-difficulty"
              >
                <option value="">Any difficulty</option>
                {DIFFICULTIES.map((d) => (
                  <option key={d} value={d}>
                    {d[0]!.toUpperCase() + d.slice(1)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${ids}-status`}>Status</label>
              <select
                id={`${ids}-status`}
                value={filters.status}
                onChange={(e) => set({ status: e.target.value })}
                data-testid="filter-status"
              >
                <option value="">Any status</option>
                {STATUSES.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.label}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="button"
              className="btn btn-ghost"
              disabled={!filtering}
              onClick={() => writeFilters({ area: "", difficulty: "", status: "", q: "" })}
            >
              Clear filters
            </button>
          </form>
          <p className="muted filter-count" role="status" data-testid="filter-count">
            {filtering
              ? `Showing ${shown} of ${catalog.exercises.length} exercises`
              : `All ${catalog.exercises.length} exercises`}
          </p>
          {shown === 0 && <p>No exercise matches these filters.</p>}
          {/* Paths are a way through the whole catalog: shown while nothing narrows it. */}
          {!filtering && <LearningPaths catalog={catalog} />}
          {groups.map(({ area, items }) => (
            <section key={area.id} className="area" aria-labelledby={`area-${area.id}`} data-testid={`area-${area.id}`}>
              <h2 id={`area-${area.id}`}>{area.title}</h2>
              <p className="area-description">{area.description}</p>
              <ul className="cards">
                {items.map((ex) => (
                  <li key={ex.id}>
                    <ExerciseCard ex={ex} />
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </>
      )}
    </main>
  );
}

function ExerciseCard({ ex }: { ex: ExerciseSummary }) {
  return (
    // The title's link stretches over the card (CSS), so the whole card is one click target
    // while the link's accessible name stays the title.
    <article
      className="card exercise-card"
      data-testid={`exercise-card-${ex.id}`}
      data-status={ex.status}
      data-difficulty={ex.difficulty}
    >
      <h3>
        <Link className="card-link" data-testid={`exercise-link-${ex.id}`} href={`/exercises/${ex.id}`}>
          {ex.title}
        </Link>
      </h3>
      <p className="meta">
        <span className={`badge difficulty difficulty-${ex.difficulty}`}>{ex.difficulty}</span>
        <span>~{ex.estimatedMinutes} min</span>
        <span>{ex.maxScore} pts</span>
      </p>
      <p className="summary">{ex.summary}</p>
      {ex.topics.length > 0 && (
        <p className="topics" data-testid="topics">
          {ex.topics.map((t) => (
            <span key={t} className="topic">
              {t}
            </span>
          ))}
        </p>
      )}
      <p className="card-foot">
        <StatusBadge status={ex.status} />
        <span className={`best${ex.status === "passed" ? " best-done" : ""}`} data-testid="best-score">
          {ex.best ? `Best ${ex.best.score} / ${ex.best.maxScore}` : ex.attempts ? "No score yet" : "No attempts yet"}
        </span>
        {ex.attempts > 0 && (
          <span className="muted attempts">
            {ex.attempts} {ex.attempts === 1 ? "attempt" : "attempts"}
          </span>
        )}
      </p>
    </article>
  );
}
