import type { Results, TestResult } from "../api.ts";
import { TimingLine } from "./TimingLine.tsx";

function ms(v: number | null): string {
  if (v === null) return "";
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
}

export function ResultsView({ result, when }: { result: Results; when?: string }) {
  return (
    <section className="results" aria-labelledby="results-title" data-testid="results">
      <div className="results-head">
        <h2 id="results-title">Results</h2>
        <span className={`badge status-${result.status}`} data-testid="result-status">
          {result.status}
        </span>
        <strong className="score" data-testid="result-score">
          {`${result.score} / ${result.max_score}`}
        </strong>
        <span className="muted">
          {ms(result.duration_ms)}
          {when ? ` · ${when}` : ""}
        </span>
      </div>
      <TimingLine result={result} />
      {result.message && (
        <p className="results-message" data-testid="result-message">
          {result.message}
        </p>
      )}
      {groups(result.tests).map(([category, tests]) => (
        <section key={category} className="test-group" data-testid="result-category" data-category={category}>
          <h3>
            {CATEGORY_TITLES[category] ?? category}{" "}
            <span className="muted">
              {round(tests.reduce((s, t) => s + t.points, 0))} / {round(tests.reduce((s, t) => s + t.max_points, 0))}
            </span>
          </h3>
          <ul className="tests">
            {tests.map((t, i) => (
              <TestItem key={`${i}-${t.name}`} test={t} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}

const CATEGORY_TITLES: Record<string, string> = {
  functional: "Functional",
  security: "Security",
  performance: "Performance",
  quality: "Quality",
};
const ORDER = ["functional", "security", "performance", "quality"];
const round = (n: number) => Math.round(n * 100) / 100;

/** Tests grouped by category, in a fixed order; within a group, the grader's order. */
function groups(tests: TestResult[]): [string, TestResult[]][] {
  const by = new Map<string, TestResult[]>();
  for (const t of tests) by.set(t.category, [...(by.get(t.category) ?? []), t]);
  const rank = (c: string) => (ORDER.includes(c) ? ORDER.indexOf(c) : ORDER.length);
  return [...by.entries()].sort((a, b) => rank(a[0]) - rank(b[0]));
}

function TestItem({ test }: { test: TestResult }) {
  return (
    <li className={`test test-${test.status}`} data-testid="test-result" data-status={test.status}>
      <div className="test-row">
        <span className={`badge status-${test.status}`}>{test.status}</span>
        <span className="test-name">{test.name}</span>
        <span className="muted">{test.category}</span>
        <span className="points">
          {test.points}/{test.max_points}
        </span>
      </div>
      {test.message && <p className="test-message">{test.message}</p>}
      {test.output && (
        <details>
          <summary>Output</summary>
          <pre>{test.output}</pre>
        </details>
      )}
    </li>
  );
}
