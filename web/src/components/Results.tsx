import type { Results, TestResult } from "../api.ts";

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
      {result.message && (
        <p className="results-message" data-testid="result-message">
          {result.message}
        </p>
      )}
      <ul className="tests">
        {result.tests.map((t, i) => (
          <TestItem key={`${i}-${t.name}`} test={t} />
        ))}
      </ul>
    </section>
  );
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
