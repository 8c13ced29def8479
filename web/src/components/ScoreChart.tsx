import { useId } from "react";
import type { Attempt } from "../api.ts";

interface Props {
  attempts: Attempt[];
  titles: Map<string, string>;
}

const W = 720;
const H = 260;
const PAD = { top: 16, right: 20, bottom: 40, left: 48 };
const Y_TICKS = [0, 25, 50, 75, 100];

const pct = (a: Attempt) => (a.maxScore > 0 ? (a.score / a.maxScore) * 100 : 0);
const day = (t: number) => new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" });
const clock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
const stamp = (t: number) =>
  new Date(t).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/**
 * Every graded attempt as a point (score as a share of the exercise's maximum) over time;
 * the attempts of one exercise are joined by a line. Hand-rolled SVG: a title and a summary
 * for screen readers, a <title> per point, and the same data as a table below the chart.
 * Passes are filled, other attempts hollow, so colour is never the only cue.
 */
export function ScoreChart({ attempts, titles }: Props) {
  const id = useId();
  if (attempts.length === 0)
    return <p className="muted">No graded attempts yet. Submit an exercise and its score shows up here.</p>;

  const times = attempts.map((a) => Date.parse(a.createdAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  // One instant (or a single attempt) sits in the middle instead of dividing by zero.
  const x = (t: number) => PAD.left + (t1 === t0 ? innerW / 2 : ((t - t0) / (t1 - t0)) * innerW);
  const y = (p: number) => PAD.top + innerH - (Math.max(0, Math.min(100, p)) / 100) * innerH;

  const byExercise = new Map<string, Attempt[]>();
  for (const a of attempts) byExercise.set(a.exerciseId, [...(byExercise.get(a.exerciseId) ?? []), a]);
  const xTicks = t1 === t0 ? [t0] : [t0, t0 + (t1 - t0) / 2, t1];
  // Within a day and a half the dates would repeat: label the axis with times instead.
  const tick = t1 - t0 < 36 * 3_600_000 ? (t: number) => (t === t0 ? `${day(t)} ${clock(t)}` : clock(t)) : day;
  const passes = attempts.filter((a) => a.status === "pass").length;
  const last = attempts[attempts.length - 1]!;

  return (
    <figure className="score-chart" data-testid="score-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${id}-title`}>Scores over time</title>
        <desc id={`${id}-desc`}>
          {`${attempts.length} graded attempts on ${byExercise.size} exercises between ${day(t0)} and ${day(t1)}, ${passes} of them passing. The latest scored ${Math.round(pct(last))}% on ${titles.get(last.exerciseId) ?? last.exerciseId}.`}
        </desc>
        <g className="chart-grid" aria-hidden="true">
          {Y_TICKS.map((t) => (
            <g key={t}>
              <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
              <text x={PAD.left - 8} y={y(t)} dy="0.32em" textAnchor="end">
                {t}%
              </text>
            </g>
          ))}
          {xTicks.map((t, i) => (
            <text
              key={i}
              x={x(t)}
              y={H - PAD.bottom + 22}
              textAnchor={
                xTicks.length === 1 ? "middle" : i === 0 ? "start" : i === xTicks.length - 1 ? "end" : "middle"
              }
            >
              {tick(t)}
            </text>
          ))}
        </g>
        {[...byExercise].map(([exerciseId, list]) => (
          <g key={exerciseId} className="chart-series">
            {list.length > 1 && (
              <polyline
                points={list.map((a) => `${x(Date.parse(a.createdAt))},${y(pct(a))}`).join(" ")}
                aria-hidden="true"
              />
            )}
            {list.map((a) => (
              <circle
                key={a.submissionId}
                cx={x(Date.parse(a.createdAt))}
                cy={y(pct(a))}
                r={5}
                className={a.status === "pass" ? "point-pass" : "point-fail"}
                data-testid="chart-point"
              >
                <title>{`${titles.get(a.exerciseId) ?? a.exerciseId}: ${a.score} / ${a.maxScore} (${a.status}), ${stamp(Date.parse(a.createdAt))}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="chart-legend">
        <span>
          <svg width="12" height="12" aria-hidden="true">
            <circle cx="6" cy="6" r="5" className="point-pass" />
          </svg>{" "}
          passed
        </span>
        <span>
          <svg width="12" height="12" aria-hidden="true">
            <circle cx="6" cy="6" r="4.5" className="point-fail" />
          </svg>{" "}
          not yet
        </span>
        <span className="muted">Score as a share of each exercise&apos;s maximum; one line per exercise.</span>
      </figcaption>
      <details className="chart-table">
        <summary>Show the attempts as a table</summary>
        <table>
          <caption className="visually-hidden">Graded attempts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Exercise</th>
              <th scope="col">Score</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {[...attempts].reverse().map((a) => (
              <tr key={a.submissionId} data-testid="attempt-row">
                <td>{stamp(Date.parse(a.createdAt))}</td>
                <td>{titles.get(a.exerciseId) ?? a.exerciseId}</td>
                <td>
                  {a.score} / {a.maxScore}
                </td>
                <td>{a.status === "pass" ? "passed" : "not yet"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
