import type { Catalog, ExerciseSummary } from "../api.ts";
import { Link } from "../components/Link.tsx";

type Path = Catalog["paths"][number];

const MARK: Record<ExerciseSummary["status"], string> = { passed: "✓", in_progress: "…", not_started: "" };
const SAID: Record<ExerciseSummary["status"], string> = {
  passed: "passed",
  in_progress: "in progress",
  not_started: "not started",
};

/**
 * The catalog's learning paths (exercises/paths.yaml): each an ordered list of exercises with
 * the learner's standing on every step, how far along the path they are, and the next step.
 */
export function LearningPaths({ catalog }: { catalog: Catalog }) {
  if (catalog.paths.length === 0) return null;
  const byId = new Map(catalog.exercises.map((e) => [e.id, e]));
  return (
    <section className="paths" aria-labelledby="paths-heading" data-testid="paths">
      <h2 id="paths-heading">Learning paths</h2>
      <p className="area-description">Exercises in the order a goal wants them; your progress along each.</p>
      <ul className="cards path-cards">
        {catalog.paths.map((p) => (
          <li key={p.id}>
            <PathCard path={p} steps={p.exercises.flatMap((id) => byId.get(id) ?? [])} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function PathCard({ path, steps }: { path: Path; steps: ExerciseSummary[] }) {
  const passed = steps.filter((s) => s.status === "passed").length;
  const next = steps.find((s) => s.status !== "passed" && !s.locked);
  const pct = steps.length ? Math.round((100 * passed) / steps.length) : 0;
  return (
    <article
      className="card path-card"
      data-testid={`path-card-${path.id}`}
      data-passed={passed}
      data-total={steps.length}
    >
      <h3 id={`path-${path.id}-title`}>{path.title}</h3>
      <p className="summary">{path.description}</p>
      <div
        className="path-meter"
        role="progressbar"
        aria-labelledby={`path-${path.id}-title`}
        aria-valuemin={0}
        aria-valuemax={steps.length}
        aria-valuenow={passed}
        aria-valuetext={`${passed} of ${steps.length} passed`}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
      <p className="muted path-count" data-testid="path-progress">
        {passed} of {steps.length} passed
        {passed === steps.length ? " · path complete" : ""}
      </p>
      <ol className="path-steps">
        {steps.map((s) => (
          <li key={s.id} className={`path-step path-step-${s.status}${s === next ? " path-step-next" : ""}`}>
            <span className="path-mark" aria-hidden="true">
              {MARK[s.status]}
            </span>
            <Link href={`/exercises/${s.id}`} data-testid={`path-step-${path.id}-${s.id}`}>
              {s.title}
            </Link>
            <span className="visually-hidden">
              {" "}
              ({SAID[s.status]}
              {s === next ? ", next" : ""})
            </span>
            {s === next && (
              <span className="badge path-next" aria-hidden="true">
                next
              </span>
            )}
          </li>
        ))}
      </ol>
    </article>
  );
}
