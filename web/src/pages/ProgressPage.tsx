import { useEffect, useMemo, useState } from "react";
import { api, errorMessage, type ProgressReport, type Tally, type User } from "../api.ts";
import { Link } from "../components/Link.tsx";
import { ScoreChart } from "../components/ScoreChart.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";

const when = (iso: string | null) =>
  iso
    ? new Date(iso).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })
    : "–";

/** A bar with its numbers in text next to it; the bar itself is decoration. */
function Bar({ value, max, label }: { value: number; max: number; label: string }) {
  const share = max > 0 ? Math.min(1, value / max) : 0;
  return (
    <span className="bar" role="img" aria-label={label}>
      <span className="bar-fill" style={{ width: `${Math.round(share * 100)}%` }} />
    </span>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="stat card">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

const ratio = (t: Pick<Tally, "passed" | "total">) => `${t.passed} / ${t.total}`;

/**
 * Progress per area and overall, attempts, best scores, scores over time: the signed-in
 * learner's own, or (`userId`, for instructors and admins) one learner's.
 */
export function ProgressPage({ userId }: { userId?: string }) {
  const [report, setReport] = useState<(ProgressReport & { user?: User }) | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    (userId ? api.userProgress(userId) : api.progress()).then(
      (r) => {
        if (!cancelled) setReport(r);
      },
      (err: unknown) => {
        if (!cancelled) setError(errorMessage(err));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [userId]);

  const titles = useMemo(() => new Map(report?.exercises.map((e) => [e.id, e.title]) ?? []), [report]);

  return (
    <main className="page progress-page" id="main">
      <h1>{userId ? (report?.user ? `Progress of ${report.user.displayName}` : "Progress") : "Your progress"}</h1>
      {report?.user && (
        <p className="muted" data-testid="progress-of">
          {report.user.email} · {report.user.role}
        </p>
      )}
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {!report && !error && <p className="loading">Loading your progress…</p>}
      {report && (
        <>
          <section aria-labelledby="overall-heading">
            <h2 id="overall-heading" className="visually-hidden">
              Overall
            </h2>
            <dl className="stats">
              <Stat label="Exercises passed" value={ratio(report.overall)} testId="overall-passed" />
              <Stat
                label="Points"
                value={`${report.overall.points} / ${report.overall.maxPoints}`}
                testId="overall-points"
              />
              <Stat label="Attempts" value={String(report.overall.attempts)} testId="overall-attempts" />
              <Stat label="In progress" value={String(report.overall.inProgress)} testId="overall-in-progress" />
            </dl>
          </section>

          <section aria-labelledby="chart-heading">
            <h2 id="chart-heading">Scores over time</h2>
            <ScoreChart attempts={report.history} titles={titles} />
          </section>

          <section aria-labelledby="areas-heading">
            <h2 id="areas-heading">By area</h2>
            <table className="data-table" data-testid="area-table">
              <thead>
                <tr>
                  <th scope="col">Area</th>
                  <th scope="col">Passed</th>
                  <th scope="col">Points</th>
                  <th scope="col">Attempts</th>
                </tr>
              </thead>
              <tbody>
                {report.areas.map((a) => (
                  <tr key={a.id} data-testid={`area-row-${a.id}`}>
                    <th scope="row">
                      <Link href={`/?area=${encodeURIComponent(a.id)}`}>{a.title}</Link>
                    </th>
                    <td>
                      <span className="num">{ratio(a)}</span>
                      <Bar value={a.passed} max={a.total} label={`${a.passed} of ${a.total} passed`} />
                    </td>
                    <td>
                      <span className="num">
                        {a.points} / {a.maxPoints}
                      </span>
                      <Bar value={a.points} max={a.maxPoints} label={`${a.points} of ${a.maxPoints} points`} />
                    </td>
                    <td className="num">{a.attempts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <section aria-labelledby="exercises-heading">
            <h2 id="exercises-heading">Exercises</h2>
            <table className="data-table" data-testid="exercise-table">
              <thead>
                <tr>
                  <th scope="col">Exercise</th>
                  <th scope="col">Status</th>
                  <th scope="col">Best score</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last attempt</th>
                </tr>
              </thead>
              <tbody>
                {[...report.exercises]
                  .sort(
                    (a, b) =>
                      (b.lastAttemptAt ?? "").localeCompare(a.lastAttemptAt ?? "") || a.title.localeCompare(b.title),
                  )
                  .map((e) => (
                    <tr key={e.id} data-testid={`exercise-row-${e.id}`}>
                      <th scope="row">
                        <Link href={`/exercises/${encodeURIComponent(e.id)}`}>{e.title}</Link>
                      </th>
                      <td>
                        <StatusBadge status={e.status} />
                      </td>
                      <td className="num" data-testid="row-best">
                        {e.best ? `${e.best.score} / ${e.best.maxScore}` : "–"}
                      </td>
                      <td className="num" data-testid="row-attempts">
                        {e.attempts}
                      </td>
                      <td>{when(e.lastAttemptAt)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </main>
  );
}
